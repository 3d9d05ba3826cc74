namespace Detector.Cli;

/// <summary>Process exit codes, so scripts can tell a bad invocation from a failed run.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A rejected image, an unreachable server or another failure while running.</summary>
    public const int Failed = 1;

    /// <summary>The command line or its inputs are wrong (unknown option, bad data folder, unusable manifest).</summary>
    public const int Usage = 2;
}
