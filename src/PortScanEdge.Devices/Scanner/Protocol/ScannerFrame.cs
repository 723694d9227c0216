namespace PortScanEdge.Devices.Scanner.Protocol;

/// <summary>
/// One decoded frame. <see cref="Payload"/> points into the decoder's buffer and is valid only until the
/// next call on that decoder: copy what you keep.
/// </summary>
public readonly ref struct ScannerFrame
{
    /// <summary>Creates a frame view.</summary>
    public ScannerFrame(byte sequence, byte type, ReadOnlySpan<byte> payload)
    {
        Sequence = sequence;
        Type = type;
        Payload = payload;
    }

    /// <summary>The SEQ byte (§4).</summary>
    public byte Sequence { get; }

    /// <summary>The TYPE byte as sent; may be a value <see cref="ScannerFrameType"/> does not name.</summary>
    public byte Type { get; }

    /// <summary>The payload, 0..<see cref="ScannerProtocol.MaxPayload"/> bytes.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The type as an enum value (check <see cref="Enum.IsDefined{TEnum}(TEnum)"/> for unknown types).</summary>
    public ScannerFrameType FrameType => (ScannerFrameType)Type;
}

/// <summary>Writes frames (§2).</summary>
public static class ScannerFrameEncoder
{
    /// <summary>The encoded size of a frame with a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int GetEncodedLength(int payloadLength) => payloadLength + ScannerProtocol.Overhead;

    /// <summary>
    /// Encodes one frame into <paramref name="destination"/> and returns the number of bytes written.
    /// </summary>
    /// <exception cref="ArgumentException">The payload is larger than <see cref="ScannerProtocol.MaxPayload"/> or the destination too small.</exception>
    public static int Encode(Span<byte> destination, byte sequence, byte type, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > ScannerProtocol.MaxPayload)
        {
            throw new ArgumentException($"payload of {payload.Length} bytes exceeds the protocol maximum of {ScannerProtocol.MaxPayload}", nameof(payload));
        }

        int length = GetEncodedLength(payload.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, the frame needs {length}", nameof(destination));
        }

        destination[0] = ScannerProtocol.StartOfFrame1;
        destination[1] = ScannerProtocol.StartOfFrame2;
        destination[2] = (byte)(payload.Length >> 8);
        destination[3] = (byte)payload.Length;
        destination[4] = sequence;
        destination[5] = type;
        payload.CopyTo(destination[ScannerProtocol.HeaderLength..]);
        int crcOffset = ScannerProtocol.HeaderLength + payload.Length;
        ushort crc = Crc16CcittFalse.Compute(destination[2..crcOffset]);
        destination[crcOffset] = (byte)(crc >> 8);
        destination[crcOffset + 1] = (byte)crc;
        return length;
    }

    /// <summary>Encodes one frame into a new array (convenience for tests and emulators).</summary>
    public static byte[] Encode(byte sequence, ScannerFrameType type, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[GetEncodedLength(payload.Length)];
        Encode(frame, sequence, (byte)type, payload);
        return frame;
    }
}
