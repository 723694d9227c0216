using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.PlateReaders;

namespace PortScanEdge.Devices.Tests.PlateReaders;

/// <summary>Plate lines with noise, cut at arbitrary points.</summary>
public sealed record PlateLines(IReadOnlyList<(string Plate, int Confidence)> Reads, IReadOnlyList<string> Noise, IReadOnlyList<int> Cuts)
{
    public byte[] Bytes(bool stxEtx)
    {
        var all = new List<byte>();
        for (int i = 0; i < Reads.Count; i++)
        {
            // Noise lines never contain the delimiters of the format, so they stay separate bad records.
            all.AddRange(Encoding.ASCII.GetBytes(Noise[i] + (stxEtx ? string.Empty : "\r\n")));
            string record = $"{Reads[i].Plate},{Reads[i].Confidence}";
            all.AddRange(stxEtx ? [0x02, .. Encoding.ASCII.GetBytes(record), 0x03] : Encoding.ASCII.GetBytes(record + "\n"));
        }

        return [.. all];
    }

    public IEnumerable<byte[]> Pieces(bool stxEtx)
    {
        byte[] bytes = Bytes(stxEtx);
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

    public override string ToString() => $"{Reads.Count} reads, cuts [{string.Join(",", Cuts)}]";
}

public static class PlateArbitraries
{
    public static Arbitrary<PlateLines> Lines()
    {
        Gen<char> plateChar = Gen.Elements("ABCDEFGHJKLMNPRSTUVWXYZ0123456789".ToCharArray());
        Gen<string> plate = Gen.Choose(3, 10).SelectMany(n => Gen.ArrayOf(plateChar, n)).Select(a => new string(a));
        Gen<char> noiseChar = Gen.Elements("abc !?#%&*()xyz".ToCharArray());
        Gen<string> noise = Gen.Choose(0, 30).SelectMany(n => Gen.ArrayOf(noiseChar, n)).Select(a => new string(a));
        Gen<(string, int)> read = plate.SelectMany(p => Gen.Choose(0, 100).Select(c => (p, c)));
        return (from count in Gen.Choose(0, 8)
                from reads in Gen.ListOf(read, count)
                from noises in Gen.ListOf(noise, count)
                from cuts in Gen.ListOf(Gen.Choose(0, 100_000))
                select new PlateLines([.. reads], [.. noises], [.. cuts])).ToArbitrary();
    }
}

[Properties(Arbitrary = [typeof(PlateArbitraries)], MaxTest = 200)]
public sealed class PlateParsingProperties
{
    [Property]
    public bool TemplateLines_SplitAnywhere_EveryReadRecovered(PlateLines lines) => Recovered(lines, PlateReaderFormat.Template);

    [Property]
    public bool StxEtxRecords_SplitAnywhere_EveryReadRecovered(PlateLines lines) => Recovered(lines, PlateReaderFormat.StxEtx);

    [Property]
    public bool TemplateParser_AnyString_NeverThrows(string? line)
    {
        var reads = new List<List<PlateCandidate>>();
        new TemplatePlateParser("%PLATE%,%CONF%").TryParse(line ?? string.Empty, reads, out _);
        return true;
    }

    [Property]
    public bool JsonParser_AnyString_NeverThrows(string? line)
    {
        var reads = new List<List<PlateCandidate>>();
        new OpenAlprJsonParser().TryParse(line ?? string.Empty, reads, out _);
        return true;
    }

    [Property]
    public bool Processor_AnyBytes_NeverThrowsAndRecordsBounded(byte[] bytes)
    {
        foreach (PlateReaderFormat format in Enum.GetValues<PlateReaderFormat>())
        {
            var processor = new PlateReadProcessor(new PlateReaderOptions { Id = "p", Format = format, Serial = new SerialOptions { Port = "x" } }, new FakeTimeProvider());
            processor.Feed(bytes ?? [], r =>
            {
                if (r.Candidates.Count == 0 || r.Best.Text.Length > PlateText.MaxLength)
                {
                    throw new InvalidOperationException("bad read");
                }
            });
        }

        return true;
    }

    private static bool Recovered(PlateLines lines, PlateReaderFormat format)
    {
        var options = new PlateReaderOptions { Id = "p", Format = format, TopN = 3, DedupeWindow = TimeSpan.Zero, Serial = new SerialOptions { Port = "x" } };
        var processor = new PlateReadProcessor(options, new FakeTimeProvider());
        var reads = new List<PlateRead>();
        foreach (byte[] piece in lines.Pieces(format == PlateReaderFormat.StxEtx))
        {
            processor.Feed(piece, reads.Add);
        }

        return reads.Count == lines.Reads.Count
            && reads.Zip(lines.Reads).All(p => p.First.Best.Text == p.Second.Plate && Math.Abs(p.First.Best.Confidence - Math.Min(p.Second.Confidence, Iso6346.TryParse(p.Second.Plate, out var c) && !c.CheckDigitValid ? 10 : 100)) < 1e-9);
    }
}
