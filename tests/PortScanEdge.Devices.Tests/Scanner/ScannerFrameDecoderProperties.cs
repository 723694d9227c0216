using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PortScanEdge.Devices.Scanner.Protocol;

namespace PortScanEdge.Devices.Tests.Scanner;

/// <summary>One frame to encode.</summary>
public sealed record FrameSpec(byte Sequence, byte Type, byte[] Payload)
{
    /// <summary>The frame as bytes on the wire.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[ScannerFrameEncoder.GetEncodedLength(Payload.Length)];
        ScannerFrameEncoder.Encode(bytes, Sequence, Type, Payload);
        return bytes;
    }

    /// <summary>SEQ, TYPE, payload: the form the tests compare.</summary>
    public byte[] Flat() => [Sequence, Type, .. Payload];

    public override string ToString() => $"seq={Sequence} type={Type} len={Payload.Length}";
}

/// <summary>Valid frames with garbage between them, cut at arbitrary points.</summary>
public sealed record FrameStream(IReadOnlyList<FrameSpec> Frames, IReadOnlyList<byte[]> Garbage, IReadOnlyList<int> Cuts)
{
    /// <summary>garbage[0] frame[0] garbage[1] frame[1] ... garbage[n].</summary>
    public byte[] Bytes()
    {
        var all = new List<byte>();
        for (int i = 0; i < Frames.Count; i++)
        {
            all.AddRange(Garbage[i]);
            all.AddRange(Frames[i].Encode());
        }

        all.AddRange(Garbage[^1]);
        return [.. all];
    }

    /// <summary>The bytes cut into pieces at <see cref="Cuts"/> (positions modulo the length).</summary>
    public IEnumerable<byte[]> Pieces()
    {
        byte[] bytes = Bytes();
        if (bytes.Length == 0)
        {
            yield break;
        }

        int[] cuts = [.. Cuts.Select(c => c % bytes.Length).Append(0).Append(bytes.Length).Distinct().Order()];
        for (int i = 0; i + 1 < cuts.Length; i++)
        {
            yield return bytes[cuts[i]..cuts[i + 1]];
        }
    }

    public override string ToString() =>
        $"{Frames.Count} frames, garbage lengths [{string.Join(",", Garbage.Select(g => g.Length))}], cuts [{string.Join(",", Cuts)}]";
}

/// <summary>FsCheck generators for the frame decoder properties.</summary>
public static class FrameArbitraries
{
    private static readonly Gen<byte> AnyByte = Gen.Choose(0, 255).Select(i => (byte)i);

    // Garbage leans towards the bytes that start frames, so false starts and resynchronisation are common.
    private static readonly Gen<byte> HostileByte = Gen.Frequency(
        (6, AnyByte),
        (2, Gen.Constant(ScannerProtocol.StartOfFrame1)),
        (2, Gen.Constant(ScannerProtocol.StartOfFrame2)),
        (1, Gen.Constant((byte)0x00)));

    private static readonly Gen<FrameSpec> Frame =
        from seq in AnyByte
        from type in AnyByte
        from length in Gen.Frequency((8, Gen.Choose(0, 40)), (1, Gen.Choose(0, ScannerProtocol.MaxPayload)))
        from payload in Gen.ArrayOf(AnyByte, length)
        select new FrameSpec(seq, type, payload);

    private static Gen<FrameStream> Streams(Gen<byte> garbageByte) =>
        from count in Gen.Choose(0, 12)
        from frames in Gen.ListOf(Frame, count)
        from garbage in Gen.ListOf(Gen.Choose(0, 60).SelectMany(n => Gen.ArrayOf(garbageByte, n)), count + 1)
        from cuts in Gen.ListOf(Gen.Choose(0, 1 << 20))
        select new FrameStream([.. frames], [.. garbage], [.. cuts]);

    /// <summary>Any frame.</summary>
    public static Arbitrary<FrameSpec> FrameSpecs() => Frame.ToArbitrary();

    /// <summary>Frames with hostile garbage (false starts included).</summary>
    public static Arbitrary<FrameStream> FrameStreams() => Streams(HostileByte).ToArbitrary();
}

/// <summary>Garbage that never contains SOF1, so every frame must come out exactly as it went in.</summary>
public sealed record CleanFrameStream(FrameStream Stream);

/// <summary>Generator for <see cref="CleanFrameStream"/>.</summary>
public static class CleanFrameArbitraries
{
    /// <summary>Streams whose garbage has no 0xA5.</summary>
    public static Arbitrary<CleanFrameStream> CleanStreams() =>
        FrameArbitraries.FrameStreams().Generator
            .Select(s => new CleanFrameStream(s with
            {
                Garbage = [.. s.Garbage.Select(g => g.Select(b => b == ScannerProtocol.StartOfFrame1 ? (byte)0x42 : b).ToArray())],
            }))
            .ToArbitrary();
}

/// <summary>Property tests: the decoder over arbitrary byte streams split at arbitrary points (scanner-serial.md §2.2).</summary>
[Properties(Arbitrary = [typeof(FrameArbitraries), typeof(CleanFrameArbitraries)], MaxTest = 300)]
public sealed class ScannerFrameDecoderProperties
{
    [Property]
    public bool EncodeThenDecode_AnyFrame_RoundTrips(FrameSpec frame)
    {
        List<byte[]> decoded = ScannerFrameCodecTests.DecodeAll(frame.Encode());
        return decoded.Count == 1 && decoded[0].AsSpan().SequenceEqual(frame.Flat());
    }

    [Property]
    public bool Decode_GarbageWithoutStartBytes_YieldsExactlyTheFrames(CleanFrameStream clean)
    {
        List<byte[]> decoded = DecodePieces(clean.Stream.Pieces());
        return decoded.Count == clean.Stream.Frames.Count
            && decoded.Zip(clean.Stream.Frames).All(p => p.First.AsSpan().SequenceEqual(p.Second.Flat()));
    }

    [Property]
    public bool Decode_HostileStreamSplitAnywhere_EqualsReferenceOnWholeStream(FrameStream stream)
    {
        List<byte[]> incremental = DecodePieces(stream.Pieces());
        List<byte[]> reference = ReferenceDecode(stream.Bytes());
        return incremental.Count == reference.Count
            && incremental.Zip(reference).All(p => p.First.AsSpan().SequenceEqual(p.Second));
    }

    [Property]
    public bool Decode_HostileStream_BufferNeverExceedsBound(FrameStream stream)
    {
        var decoder = new ScannerFrameDecoder();
        foreach (byte[] piece in stream.Pieces())
        {
            decoder.Feed(piece, _ => { });
            if (decoder.BufferedBytes >= ScannerProtocol.MaxFrameLength)
            {
                return false;
            }
        }

        return true;
    }

    [Property]
    public bool Decode_HostileStream_EveryByteAccountedFor(FrameStream stream)
    {
        byte[] bytes = stream.Bytes();
        var decoder = new ScannerFrameDecoder();
        long frameBytes = 0;
        ScannerFrameHandler handler = f => frameBytes += f.Payload.Length + ScannerProtocol.Overhead;
        decoder.Feed(bytes, handler);
        decoder.Flush(handler);
        return frameBytes + decoder.Statistics.GarbageBytes == bytes.Length;
    }

    private static List<byte[]> DecodePieces(IEnumerable<byte[]> pieces)
    {
        var decoder = new ScannerFrameDecoder();
        var frames = new List<byte[]>();
        ScannerFrameHandler handler = f => frames.Add([f.Sequence, f.Type, .. f.Payload]);
        foreach (byte[] piece in pieces)
        {
            decoder.Feed(piece, handler);
        }

        decoder.Flush(handler);
        return frames;
    }

    /// <summary>
    /// The obviously-correct reading of §2.2 over a whole stream: at each offset, a frame if SOF, length, and CRC
    /// all check out (then jump past it), otherwise move one byte on.
    /// </summary>
    internal static List<byte[]> ReferenceDecode(byte[] s)
    {
        var frames = new List<byte[]>();
        int i = 0;
        while (i < s.Length)
        {
            if (s[i] == 0xA5 && i + 5 < s.Length && s[i + 1] == 0x5A)
            {
                int length = (s[i + 2] << 8) | s[i + 3];
                if (length <= ScannerProtocol.MaxPayload && i + length + 8 <= s.Length)
                {
                    ushort crc = Crc16CcittFalse.Compute(s.AsSpan(i + 2, length + 4));
                    if (crc == ((s[i + 6 + length] << 8) | s[i + 7 + length]))
                    {
                        frames.Add([s[i + 4], s[i + 5], .. s.AsSpan(i + 6, length)]);
                        i += length + 8;
                        continue;
                    }
                }
            }

            i++;
        }

        return frames;
    }
}
