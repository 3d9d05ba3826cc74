using System.Text;

namespace Detector.Cli;

/// <summary>
/// Passes text on to another writer, less the spaces and tabs that end a line. Spectre pads every table cell to its column's
/// width, the last one included, and draws the edges of a borderless table as spaces, so a table written to a file or a pipe
/// leaves trailing blanks on its lines (noise in a diff, a case file or a <c>grep 'x$'</c>). Blanks are held back until
/// something other than a line end follows them, so nothing before the end of a line moves and columns stay aligned.
/// </summary>
/// <remarks>
/// Blanks still held when the output ends without a line end are dropped. The inner writer is not disposed with this one.
/// </remarks>
internal sealed class LineEndTrimmingWriter(TextWriter inner) : TextWriter(inner.FormatProvider)
{
    private readonly StringBuilder _blanks = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int end = buffer.IndexOfAny('\r', '\n');
            ReadOnlySpan<char> text = end < 0 ? buffer : buffer[..end];
            int kept = text.TrimEnd(" \t").Length;
            if (kept > 0)
            {
                // Blanks in the middle of a line are kept.
                if (_blanks.Length > 0)
                {
                    inner.Write(_blanks);
                    _blanks.Clear();
                }

                inner.Write(text[..kept]);
            }

            if (end < 0)
            {
                _blanks.Append(text[kept..]);
                return;
            }

            _blanks.Clear();
            inner.Write(buffer[end]);
            buffer = buffer[(end + 1)..];
        }
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();
}
