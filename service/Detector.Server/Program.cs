using Detector.Engine.Scoring;
using Detector.Server.Api;
using Detector.Server.Hosting;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

// The service's own defaults (endpoints, limits) travel with the binary: read appsettings.json from the application
// folder at the lowest priority, so the service behaves the same from any working directory; an appsettings.json in
// the content root, environment variables and the command line still override it.
builder.Configuration.Sources.Insert(0, new JsonConfigurationSource
{
    Path = "appsettings.json",
    Optional = true,
    FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
});
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--models"] = "Models:Directory",
    ["--provider"] = "Inference:ExecutionProvider",
});
builder.AddDetector();

WebApplication? app = null;
try
{
    // Bind the settings, load every model, then bind the listeners: a broken setting, manifest or model, or a port in
    // use, stops start-up with one line naming the problem and exit code 2, not an unhandled-exception abort.
    app = builder.Build();
    app.Services.GetRequiredService<ModelHost>();
    app.MapDetector();
    await app.StartAsync();
}
catch (Exception ex) when (StartupFailure.IsOwnProcess)
{
    string problem = StartupFailure.Describe(ex);
    if (app is not null)
    {
        ServerLog.CannotStart(app.Logger, problem, StartupFailure.IsUnexpected(ex) ? ex : null);
        await app.DisposeAsync();
    }
    else if (StartupFailure.IsUnexpected(ex))
    {
        Console.Error.WriteLine(ex); // no logger yet: the stack trace goes to stderr
    }

    Console.Error.WriteLine($"Detector cannot start: {problem}");
    return 2;
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;

/// <summary>Entry point, visible to the in-process test host.</summary>
public partial class Program;
