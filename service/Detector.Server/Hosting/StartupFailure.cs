using Detector.Engine.Models;
using Microsoft.Extensions.Options;

namespace Detector.Server.Hosting;

/// <summary>
/// Turns what stopped start-up into the one line an operator needs (which file, setting or address, and what is wrong),
/// so the process exits with code 2 and a reason instead of aborting on an unhandled exception.
/// </summary>
internal static class StartupFailure
{
    /// <summary>
    /// True when this assembly is the process's entry point. Under a test host (another entry assembly) a start-up
    /// failure is left to propagate, so the host factory reports the exception itself.
    /// </summary>
    public static bool IsOwnProcess => System.Reflection.Assembly.GetEntryAssembly() == typeof(StartupFailure).Assembly;

    /// <summary>False for the failures <see cref="Describe"/> knows (settings, manifests, addresses): their line says it all.</summary>
    public static bool IsUnexpected(Exception exception) => exception switch
    {
        ManifestException or OptionsValidationException or IOException => false,
        InvalidOperationException { InnerException: not null } bind => !IsConversionFailure(bind),
        AggregateException many => many.Flatten().InnerExceptions.Any(IsUnexpected),
        _ => true,
    };

    public static string Describe(Exception exception) => exception switch
    {
        ManifestException manifest => manifest.Message,
        OptionsValidationException invalid => string.Join("; ", invalid.Failures),
        AggregateException many => string.Join("; ", many.Flatten().InnerExceptions.Select(Describe)),

        // The configuration binder's "Failed to convert configuration value at 'Api:DefaultEvidence' to type …";
        // the inner exception says what the value should look like.
        InvalidOperationException { InnerException: { } inner } bind when IsConversionFailure(bind) =>
            $"{bind.Message} {inner.Message}",

        // Kestrel: "Failed to bind to address http://127.0.0.1:5000: address already in use."
        IOException io => io.Message,
        _ => $"unexpected {exception.GetType().Name}: {exception.Message} (stack trace in the log)",
    };

    private static bool IsConversionFailure(InvalidOperationException exception) =>
        exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);
}
