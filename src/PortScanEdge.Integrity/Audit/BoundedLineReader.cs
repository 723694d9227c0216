namespace PortScanEdge.Integrity.Audit;

/// <summary>One line read from a log.</summary>
/// <param name="Number">1-based line number.</param>
/// <param name="Offset">Byte offset of its first byte.</param>
/// <param name="Bytes">Its bytes without the line feed; empty when <paramref name="TooLong"/>.</param>
/// <param name="Terminated">True when a line feed ended it (false only for the last line of a torn file).</param>
/// <param name="TooLong">True when it exceeded the limit (its bytes were skipped).</param>
internal readonly record struct RawLine(long Number, long Offset, byte[] Bytes, bool Terminated, bool TooLong);

/// <summary>Reads lines of at most a given length from a stream without ever holding more than that.</summary>
internal sealed class BoundedLineReader(Stream stream, int maxLineBytes)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private long _offset;
    private long _number;
    private bool _eof;

    public IEnumerable<RawLine> ReadAll()
    {
        while (TryRead(out var line))
        {
            yield return line;
        }
    }

    public bool TryRead(out RawLine line)
    {
        var collected = new MemoryStream();
        var tooLong = false;
        var lineOffset = _offset;
        while (true)
        {
            if (_start == _end)
            {
                if (_eof || !Fill())
                {
                    if (collected.Length == 0 && !tooLong)
                    {
                        line = default;
                        return false;
                    }

                    _number++;
                    line = new RawLine(_number, lineOffset, tooLong ? [] : collected.ToArray(), false, tooLong);
                    return true;
                }
            }

            var span = _buffer.AsSpan(_start, _end - _start);
            var feed = span.IndexOf((byte)'\n');
            var take = feed >= 0 ? feed : span.Length;
            if (!tooLong)
            {
                if (collected.Length + take > maxLineBytes)
                {
                    tooLong = true;
                    collected.SetLength(0);
                }
                else
                {
                    collected.Write(span[..take]);
                }
            }

            _start += take;
            _offset += take;
            if (feed >= 0)
            {
                _start++;
                _offset++;
                _number++;
                line = new RawLine(_number, lineOffset, tooLong ? [] : collected.ToArray(), true, tooLong);
                return true;
            }
        }
    }

    private bool Fill()
    {
        _start = 0;
        _end = stream.Read(_buffer, 0, _buffer.Length);
        if (_end == 0)
        {
            _eof = true;
            return false;
        }

        return true;
    }
}
