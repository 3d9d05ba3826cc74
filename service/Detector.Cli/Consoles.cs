using Grpc.Core;
using Spectre.Console;

namespace Detector.Cli;

/// <summary>Console and status helpers shared by the commands.</summary>
internal static class Consoles
{
    /// <summary>
    /// Width of output that is not a terminal (a pipe, a file, a test's writer). Nothing reads it at a fixed width, and a
    /// wrapped table row, a truncated header or a SHA-256 split over two lines is useless to a script or in a case file,
    /// so it is never wrapped: Spectre wraps only text wider than this.
    /// </summary>
    internal const int NonTerminalWidth = 1 << 16;

    /// <summary>
    /// A Spectre console writing to <paramref name="writer"/>: the terminal itself when it is stdout and stdout is a terminal,
    /// otherwise (redirected stdout, tests) a plain, colourless one that never wraps.
    /// </summary>
    public static IAnsiConsole For(TextWriter writer) => Create(writer, IsTerminal(writer, Console.IsOutputRedirected));

    /// <summary>True when <paramref name="writer"/> is stdout and stdout is not redirected to a pipe or a file.</summary>
    internal static bool IsTerminal(TextWriter writer, bool outputRedirected) => ReferenceEquals(writer, Console.Out) && !outputRedirected;

    /// <summary>The console <see cref="For"/> returns, with the terminal decision made by the caller.</summary>
    internal static IAnsiConsole Create(TextWriter writer, bool terminal)
    {
        if (terminal)
        {
            // Spectre reads the terminal's width at every render, so tables fit the window as it is (also after a resize),
            // and it detects the colours the terminal supports.
            return AnsiConsole.Console;
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = NonTerminalWidth;
        return console;
    }

    /// <summary>The canonical gRPC name of a status code, as other gRPC tools print it (INVALID_ARGUMENT).</summary>
    public static string CodeName(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        _ => string.Concat(code.ToString().Select(static (c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString())),
    };

    /// <summary>CodeName for a raw code as it arrives in <c>ItemStatus</c>.</summary>
    public static string CodeName(int code) => Enum.IsDefined((StatusCode)code) ? CodeName((StatusCode)code) : code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"CODE: detail", with a hint when the server cannot be reached at all.</summary>
    public static string Describe(RpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        string text = $"{CodeName(ex.StatusCode)}: {ex.Status.Detail}";
        // The client raised it (connection refused, reset) rather than the server answering it (shutting down, say).
        bool unreachable = ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is not null;
        return unreachable ? text + " (is the detector server running there? see --server)" : text;
    }

    /// <summary>
    /// True for failures of the connection or the server as a whole, where going on with the next image is pointless.
    /// INTERNAL is not one: the service reports an unexpected failure on one image that way.
    /// </summary>
    public static bool IsServerFailure(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Unimplemented or StatusCode.Unauthenticated or StatusCode.PermissionDenied;
}
