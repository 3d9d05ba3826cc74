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
    /// otherwise (redirected stdout, tests) a plain, colourless one that never wraps and leaves no blanks at line ends.
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
            // Table padding at line ends is invisible on a terminal but not in a file; see LineEndTrimmingWriter.
            Out = new AnsiConsoleOutput(new LineEndTrimmingWriter(writer)),
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
        return !RaisedByClient(ex) ? text : ex.StatusCode switch
        {
            StatusCode.Unavailable => text + " (is the detector server running there? see --server)",
            StatusCode.Internal => text + " (is that the detector's gRPC address? see --server)",
            _ => text,
        };
    }

    /// <summary>
    /// True for failures of the connection or the server as a whole, where going on with the next image is pointless: the
    /// codes of <see cref="IsServerFailure(StatusCode)"/>, and an INTERNAL that the client raised itself, which is a
    /// transport or protocol failure (an address that is not the gRPC endpoint, e.g. the HTTP/1.1 metrics port), not the
    /// service's answer about one image.
    /// </summary>
    public static bool IsServerFailure(RpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return IsServerFailure(ex.StatusCode) || (ex.StatusCode == StatusCode.Internal && RaisedByClient(ex));
    }

    /// <summary>
    /// The client raised the status (connection refused or reset, an HTTP/2 protocol error) rather than the server answering
    /// it: Grpc.Net.Client attaches the exception it caught, and a status read from the server's trailers has none.
    /// </summary>
    private static bool RaisedByClient(RpcException ex) => ex.Status.DebugException is not null;

    /// <summary>
    /// True for status codes that mean the connection or the server as a whole failed, where going on with the next image is
    /// pointless. INTERNAL is not one: the service reports an unexpected failure on one image that way (but see
    /// <see cref="IsServerFailure(RpcException)"/> for an INTERNAL the client raised).
    /// </summary>
    public static bool IsServerFailure(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Unimplemented or StatusCode.Unauthenticated or StatusCode.PermissionDenied;
}
