using Detector.Engine.Models;
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

WebApplication app = builder.Build();
try
{
    // Load every model now: a broken manifest or model stops start-up with a message naming the file and the field.
    app.Services.GetRequiredService<ModelHost>();
}
catch (ManifestException ex)
{
    ServerLog.CannotStart(app.Logger, ex.Message);
    Console.Error.WriteLine($"Detector cannot start: {ex.Message}");
    return 2;
}

app.MapDetector();
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the in-process test host.</summary>
public partial class Program;
