using System.Buffers;

namespace PortScanEdge.Devices.Scanner.Protocol;

/// <summary>Receives decoded frames; the frame's payload is valid only during the call.</summary>
public delegate void ScannerFrameHandler(ScannerFrame frame);

/// <summary>Counters of a <see cref="ScannerFrameDecoder"/> (scanner-serial.md §2.2, §9).</summary>
public readonly record struct DecoderStatistics(
    long FramesDecoded,
    long GarbageBytes,
    long OversizedHeaders,
    long CrcErrors,
    long TruncatedFrames)
{
    /// <summary>Frame candidates rejected for any reason.</summary>
    public long InvalidFrames => OversizedHeaders + CrcErrors + TruncatedFrames;
}

/// <summary>
/// Incremental, resynchronising frame decoder (scanner-serial.md §2.2). Feed it bytes as they arrive, split
/// anywhere; it finds every intact frame whatever garbage surrounds it. Memory is one fixed buffer of
/// 2 × <see cref="ScannerProtocol.MaxFrameLength"/> bytes; nothing is allocated per frame.
/// Not thread-safe: one reader loop owns a decoder.
/// </summary>
public sealed class ScannerFrameDecoder
{
    // Owned by this decoder. Holds at most one incomplete candidate (< MaxFrameLength bytes) between calls,
    // so after compaction there is always room for at least MaxFrameLength new bytes.
    private readonly byte[] _buffer;
    private readonly int _maxPayload;
    private int _start;
    private int _end;
    private int _pendingConsume;

    private long _framesDecoded;
    private long _garbageBytes;
    private long _oversizedHeaders;
    private long _crcErrors;
    private long _truncatedFrames;

    private bool _hasRejected;
    private byte _rejectedSequence;
    private byte _rejectedReason;

    /// <summary>Creates a decoder accepting payloads up to <paramref name="maxPayload"/> bytes.</summary>
    public ScannerFrameDecoder(int maxPayload = ScannerProtocol.MaxPayload)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPayload);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPayload, ScannerProtocol.MaxPayload);
        _maxPayload = maxPayload;
        _buffer = new byte[2 * (maxPayload + ScannerProtocol.Overhead)];
    }

    /// <summary>Counters so far.</summary>
    public DecoderStatistics Statistics =>
        new(_framesDecoded, _garbageBytes, _oversizedHeaders, _crcErrors, _truncatedFrames);

    /// <summary>Bytes held that may still become a frame.</summary>
    public int BufferedBytes => _end - _start - _pendingConsume;

    /// <summary>True when bytes are held that start a frame not yet complete (§2.2 step 4).</summary>
    public bool HasPartialFrame => BufferedBytes > 0;

    /// <summary>
    /// Copies as many bytes of <paramref name="data"/> as fit and returns how many were taken; call
    /// <see cref="TryDecode"/> until it returns false before appending the rest.
    /// </summary>
    public int Append(ReadOnlySpan<byte> data)
    {
        ApplyPendingConsume();
        if (_end == _buffer.Length && _start > 0)
        {
            Compact();
        }
        else if (_buffer.Length - _end < data.Length && _start > 0)
        {
            Compact();
        }

        int take = Math.Min(data.Length, _buffer.Length - _end);
        data[..take].CopyTo(_buffer.AsSpan(_end));
        _end += take;
        return take;
    }

    /// <summary>
    /// Decodes the next frame from the buffered bytes. The frame's payload stays valid until the next call on
    /// this decoder.
    /// </summary>
    public bool TryDecode(out ScannerFrame frame)
    {
        ApplyPendingConsume();
        while (true)
        {
            int count = _end - _start;
            if (count == 0)
            {
                _start = _end = 0;
                frame = default;
                return false;
            }

            ReadOnlySpan<byte> buffered = _buffer.AsSpan(_start, count);

            // §2.2 step 1: skip to the next SOF1.
            int sof = buffered.IndexOf(ScannerProtocol.StartOfFrame1);
            if (sof < 0)
            {
                _garbageBytes += count;
                _start = _end = 0;
                frame = default;
                return false;
            }

            if (sof > 0)
            {
                _garbageBytes += sof;
                _start += sof;
                continue;
            }

            if (count < 2)
            {
                frame = default;
                return false;
            }

            // §2.2 step 2.
            if (buffered[1] != ScannerProtocol.StartOfFrame2)
            {
                DropOneByte();
                continue;
            }

            if (count < 4)
            {
                frame = default;
                return false;
            }

            // §2.2 step 3.
            int length = (buffered[2] << 8) | buffered[3];
            if (length > _maxPayload)
            {
                _oversizedHeaders++;
                RememberRejected(buffered.Length > 4 ? buffered[4] : (byte)0, ScannerProtocol.NakReasonLength, count > 4);
                DropOneByte();
                continue;
            }

            int total = length + ScannerProtocol.Overhead;
            if (count < total)
            {
                frame = default;
                return false;
            }

            // §2.2 step 5.
            int crcOffset = ScannerProtocol.HeaderLength + length;
            ushort computed = Crc16CcittFalse.Compute(buffered[2..crcOffset]);
            ushort received = (ushort)((buffered[crcOffset] << 8) | buffered[crcOffset + 1]);
            if (computed != received)
            {
                _crcErrors++;
                RememberRejected(buffered[4], ScannerProtocol.NakReasonCrc, true);
                DropOneByte();
                continue;
            }

            // §2.2 step 6: the bytes are dropped on the next call, so the payload stays valid until then.
            frame = new ScannerFrame(buffered[4], buffered[5], buffered.Slice(ScannerProtocol.HeaderLength, length));
            _pendingConsume = total;
            _framesDecoded++;
            return true;
        }
    }

    /// <summary>
    /// Gives up on the incomplete frame at the front of the buffer (no byte for
    /// <see cref="ScannerProtocol.InterByteTimeout"/>, §2.2 step 4): counts it as truncated and drops its first
    /// byte, so frames hidden behind a false start are found by the next <see cref="TryDecode"/>.
    /// </summary>
    public void AbandonPartialFrame()
    {
        ApplyPendingConsume();
        if (_end - _start > 0)
        {
            _truncatedFrames++;
            DropOneByte();
        }
    }

    /// <summary>
    /// Takes the SEQ and NAK reason of the last frame rejected since the previous call, if any (§3): the SEQ comes
    /// from an unprotected header, so it is advisory.
    /// </summary>
    public bool TryTakeRejected(out byte sequence, out byte reason)
    {
        sequence = _rejectedSequence;
        reason = _rejectedReason;
        bool had = _hasRejected;
        _hasRejected = false;
        return had;
    }

    /// <summary>Feeds bytes and calls <paramref name="handler"/> for every frame completed by them.</summary>
    public void Feed(ReadOnlySpan<byte> data, ScannerFrameHandler handler)
    {
        while (true)
        {
            int taken = Append(data);
            data = data[taken..];
            while (TryDecode(out ScannerFrame frame))
            {
                handler(frame);
            }

            if (data.IsEmpty)
            {
                return;
            }
        }
    }

    /// <summary>Feeds every segment of <paramref name="data"/>.</summary>
    public void Feed(in ReadOnlySequence<byte> data, ScannerFrameHandler handler)
    {
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            Feed(segment.Span, handler);
        }
    }

    /// <summary>
    /// End of input: abandons incomplete frames one byte at a time and decodes what they hid, until nothing is
    /// buffered. Used when a port closes and by the property tests' reference comparison.
    /// </summary>
    public void Flush(ScannerFrameHandler handler)
    {
        while (true)
        {
            while (TryDecode(out ScannerFrame frame))
            {
                handler(frame);
            }

            if (!HasPartialFrame)
            {
                return;
            }

            AbandonPartialFrame();
        }
    }

    /// <summary>Drops everything buffered (the session restarted); counters are kept.</summary>
    public void Reset()
    {
        _start = _end = _pendingConsume = 0;
        _hasRejected = false;
    }

    private void RememberRejected(byte sequence, byte reason, bool sequenceKnown)
    {
        if (!sequenceKnown)
        {
            return;
        }

        _hasRejected = true;
        _rejectedSequence = sequence;
        _rejectedReason = reason;
    }

    private void DropOneByte()
    {
        _garbageBytes++;
        _start++;
    }

    private void ApplyPendingConsume()
    {
        if (_pendingConsume > 0)
        {
            _start += _pendingConsume;
            _pendingConsume = 0;
            if (_start == _end)
            {
                _start = _end = 0;
            }
        }
    }

    private void Compact()
    {
        int count = _end - _start;
        Buffer.BlockCopy(_buffer, _start, _buffer, 0, count);
        _start = 0;
        _end = count;
    }
}
