using Microsoft.Extensions.Time.Testing;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.PlateReaders;
using PortScanEdge.Devices.Scanner;
using PortScanEdge.Devices.Scanner.Protocol;

namespace PortScanEdge.Devices.Fuzz;

/// <summary>
/// Fuzz targets: each must never throw on any input, and checks invariants that would be bugs (a throw here is a
/// finding). Shared by the SharpFuzz harness and the corpus replay test.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The scanner frame decoder, fed in pieces whose sizes come from the input, then every payload parser.</summary>
    public static void ScannerFrames(ReadOnlySpan<byte> data)
    {
        var decoder = new ScannerFrameDecoder();
        int step = data.Length > 0 ? 1 + (data[0] % 64) : 1;
        var frames = new List<(byte Seq, byte Type, byte[] Payload)>();
        ScannerFrameHandler handler = f => frames.Add((f.Sequence, f.Type, f.Payload.ToArray()));
        for (int offset = 0; offset < data.Length; offset += step)
        {
            decoder.Feed(data.Slice(offset, Math.Min(step, data.Length - offset)), handler);
            if (decoder.BufferedBytes >= ScannerProtocol.MaxFrameLength)
            {
                throw new InvalidOperationException("decoder buffered a whole frame without deciding");
            }
        }

        decoder.Flush(handler);
        foreach ((byte seq, byte type, byte[] payload) in frames)
        {
            if (payload.Length > ScannerProtocol.MaxPayload)
            {
                throw new InvalidOperationException("payload over the maximum");
            }

            // Re-encoding a decoded frame and decoding it again must give the same frame.
            byte[] again = ScannerFrameEncoder.Encode(seq, (ScannerFrameType)type, payload);
            var check = new ScannerFrameDecoder();
            int count = 0;
            check.Feed(again, f =>
            {
                count++;
                if (f.Sequence != seq || f.Type != type || !f.Payload.SequenceEqual(payload))
                {
                    throw new InvalidOperationException("re-encoded frame decodes differently");
                }
            });
            if (count != 1)
            {
                throw new InvalidOperationException("re-encoded frame did not decode once");
            }

            ParseEveryWay(payload);
        }
    }

    /// <summary>Every payload parser over one payload; none may throw.</summary>
    public static void ParseEveryWay(ReadOnlySpan<byte> payload)
    {
        _ = ScannerMessageCodec.TryParseHello(payload, out _, out _);
        _ = ScannerMessageCodec.TryParseWelcome(payload, out _, out _);
        _ = ScannerMessageCodec.TryParseStatus(payload, out _, out _);
        _ = ScannerMessageCodec.TryParseTransactionId(payload, true, out _, out _);
        _ = ScannerMessageCodec.TryParseFault(payload, out _, out _);
        _ = ScannerMessageCodec.TryParseFlag(payload, out _, out _);
        _ = ScannerMessageCodec.TryParseCommandRejected(payload, out _, out _);
        if (ScannerMessageCodec.TryParseScanComplete(payload, out ScanCompleteMessage scan, out _))
        {
            foreach (AnnouncedImage image in scan.Images)
            {
                // A name the hand-over would open must be a plain name inside the spool.
                if (ScannerMessageCodec.IsValidFileName(image.FileName)
                    && (image.FileName.Contains('/', StringComparison.Ordinal) || image.FileName.Contains('\\', StringComparison.Ordinal) || image.FileName.StartsWith('.')))
                {
                    throw new InvalidOperationException("unsafe file name accepted");
                }
            }
        }
    }

    /// <summary>The plate read pipeline in every format.</summary>
    public static void PlateRecords(ReadOnlySpan<byte> data)
    {
        foreach (PlateReaderFormat format in Enum.GetValues<PlateReaderFormat>())
        {
            var options = new PlateReaderOptions { Id = "fuzz", Format = format, TopN = 3, Serial = new SerialOptions { Port = "fuzz" } };
            var processor = new PlateReadProcessor(options, new FakeTimeProvider());
            processor.Feed(data, read =>
            {
                if (read.Candidates.Count is 0 or > 3)
                {
                    throw new InvalidOperationException("candidate count out of range");
                }

                foreach (PlateCandidate candidate in read.Candidates)
                {
                    if (candidate.Text.Length is 0 or > PlateText.MaxLength || candidate.Confidence is < 0 or > 100 || double.IsNaN(candidate.Confidence))
                    {
                        throw new InvalidOperationException($"bad candidate {candidate}");
                    }
                }
            });
        }
    }

    /// <summary>Runs a target by name ("scanner" or "plate").</summary>
    public static void Run(string target, ReadOnlySpan<byte> data)
    {
        switch (target)
        {
            case "scanner":
                ScannerFrames(data);
                break;
            case "plate":
                PlateRecords(data);
                break;
            default:
                throw new ArgumentException($"unknown target '{target}': use scanner or plate", nameof(target));
        }
    }
}
