using PortScanEdge.Devices.Fuzz;

namespace PortScanEdge.Devices.Tests.Fuzz;

/// <summary>
/// Replays the committed fuzz corpus (seeds and fixed findings) through the SharpFuzz targets: deterministic, quick,
/// and a regression guard for every crash the fuzzer ever found (tests/PortScanEdge.Devices.Fuzz/README.md).
/// </summary>
public sealed class CorpusReplayTests
{
    public static TheoryData<string, string> Corpus()
    {
        var data = new TheoryData<string, string>();
        string root = Path.Combine(AppContext.BaseDirectory, "fixtures", "fuzz-corpus");
        foreach (string target in new[] { "scanner", "plate" })
        {
            foreach (string file in Directory.GetFiles(Path.Combine(root, target)).Order(StringComparer.Ordinal))
            {
                data.Add(target, Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Replay_CorpusFile_TargetDoesNotThrow(string target, string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "fuzz-corpus", target, file));
        FuzzTargets.Run(target, bytes);
    }

    [Fact]
    public void Replay_Corpus_HasSeedsForBothTargets()
    {
        Assert.True(Corpus().Count >= 10);
    }

    [Fact]
    public void Replay_RandomMutationsOfCorpus_NoTargetThrows()
    {
        // A short deterministic stand-in for the fuzzer in CI: 2 000 seeded byte-flip/splice mutations.
        var random = new Random(20261129);
        string root = Path.Combine(AppContext.BaseDirectory, "fixtures", "fuzz-corpus");
        foreach (string target in new[] { "scanner", "plate" })
        {
            byte[][] seeds = [.. Directory.GetFiles(Path.Combine(root, target)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
            for (int i = 0; i < 1000; i++)
            {
                byte[] input = [.. seeds[random.Next(seeds.Length)]];
                int mutations = random.Next(1, 8);
                for (int m = 0; m < mutations && input.Length > 0; m++)
                {
                    int at = random.Next(input.Length);
                    switch (random.Next(3))
                    {
                        case 0:
                            input[at] ^= (byte)(1 << random.Next(8));
                            break;
                        case 1:
                            input[at] = (byte)random.Next(256);
                            break;
                        default:
                            byte[] other = seeds[random.Next(seeds.Length)];
                            input = [.. input[..at], .. other[..random.Next(other.Length + 1)]];
                            break;
                    }
                }

                FuzzTargets.Run(target, input);
            }
        }
    }
}
