using System.Text;
using Microsoft.Extensions.Time.Testing;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.PlateReaders;

namespace PortScanEdge.Devices.Tests.PlateReaders;

public sealed class Iso6346Tests
{
    [Theory]
    [InlineData("CSQU3054383")]
    [InlineData("MSKU9070323")]
    [InlineData("csqu 305438-3")]
    public void TryParse_ValidCode_CheckDigitValid(string text)
    {
        Assert.True(Iso6346.TryParse(text, out ContainerCode? code));
        Assert.True(code.CheckDigitValid);
        Assert.Equal('U', code.Category);
    }

    [Fact]
    public void TryParse_WrongCheckDigit_RecognisedButInvalidWithExpectedDigit()
    {
        Assert.True(Iso6346.TryParse("CSQU3054384", out ContainerCode? code));
        Assert.False(code.CheckDigitValid);
        Assert.Equal(3, code.ExpectedCheckDigit);
    }

    [Theory]
    [InlineData("ABC123")]
    [InlineData("CSQX3054383")]
    [InlineData("CSQU305438")]
    [InlineData("CSQU30543833")]
    [InlineData("C5QU3054383")]
    [InlineData("")]
    public void TryParse_NotAContainerCode_False(string text) => Assert.False(Iso6346.TryParse(text, out _));

    [Theory]
    [InlineData('A', 10)]
    [InlineData('K', 21)]
    [InlineData('L', 23)]
    [InlineData('U', 32)]
    [InlineData('V', 34)]
    [InlineData('Z', 38)]
    public void CharacterValue_Letters_SkipMultiplesOfEleven(char letter, int value) => Assert.Equal(value, Iso6346.CharacterValue(letter));
}

public sealed class PlateRecordParserTests
{
    [Theory]
    [InlineData("ABC123,87.5", "ABC123", 87.5)]
    [InlineData("abc-123 , 90", "ABC123", 90)]
    [InlineData("XY 12 AB,100", "XY12AB", 100)]
    public void Template_PlateAndConfidence_Parsed(string line, string plate, double confidence)
    {
        var reads = new List<List<PlateCandidate>>();
        Assert.True(new TemplatePlateParser("%PLATE%,%CONF%").TryParse(line, reads, out string problem), problem);
        PlateCandidate candidate = Assert.Single(Assert.Single(reads));
        Assert.Equal(plate, candidate.Text);
        Assert.Equal(confidence, candidate.Confidence);
    }

    [Fact]
    public void Template_SkipField_Ignored()
    {
        var reads = new List<List<PlateCandidate>>();
        Assert.True(new TemplatePlateParser("L%SKIP%;%PLATE%;%CONF%\r\n").TryParse("L07;KLM456;55", reads, out string problem), problem);
        Assert.Equal("KLM456", reads[0][0].Text);
    }

    [Fact]
    public void Template_NoConfidencePlaceholder_FullConfidence()
    {
        var reads = new List<List<PlateCandidate>>();
        Assert.True(new TemplatePlateParser("%PLATE%").TryParse("QRS789", reads, out _));
        Assert.Equal(100, reads[0][0].Confidence);
    }

    [Theory]
    [InlineData("ABC123")]
    [InlineData("ABC123,150")]
    [InlineData("ABC123;90")]
    [InlineData(",90")]
    [InlineData("ABC$123,90")]
    [InlineData("{\"results\":[]}")]
    public void Template_WrongFormat_FalseWithReason(string line)
    {
        var reads = new List<List<PlateCandidate>>();
        Assert.False(new TemplatePlateParser("%PLATE%,%CONF%").TryParse(line, reads, out string problem));
        Assert.NotEmpty(problem);
        Assert.Empty(reads);
    }

    [Theory]
    [InlineData("%CONF%")]
    [InlineData("%PLATE%,%PLATE%")]
    public void Template_Invalid_Throws(string template) => Assert.Throws<ArgumentException>(() => new TemplatePlateParser(template));

    [Fact]
    public void OpenAlpr_ResultsWithCandidates_AllCandidatesKeptDeduplicated()
    {
        const string line = """{"version":2,"results":[{"plate":"ABC123","confidence":94.2,"candidates":[{"plate":"ABC123","confidence":94.2},{"plate":"A8C123","confidence":80.1},{"plate":"ABC12","confidence":70}]}]}""";
        var reads = new List<List<PlateCandidate>>();
        Assert.True(new OpenAlprJsonParser().TryParse(line, reads, out string problem), problem);
        Assert.Equal(["ABC123", "A8C123", "ABC12"], Assert.Single(reads).Select(c => c.Text));
    }

    [Fact]
    public void OpenAlpr_TwoResults_TwoReads()
    {
        const string line = """{"results":[{"plate":"ABC123","confidence":90},{"plate":"CSQU3054383","confidence":88}]}""";
        var reads = new List<List<PlateCandidate>>();
        Assert.True(new OpenAlprJsonParser().TryParse(line, reads, out _));
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public void OpenAlpr_EmptyResults_NoReadNoError()
    {
        var reads = new List<List<PlateCandidate>>();
        Assert.True(new OpenAlprJsonParser().TryParse("""{"results":[]}""", reads, out _));
        Assert.Empty(reads);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"results\":{}}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"results\":[{\"plate\":\"$$$\"}]}")]
    [InlineData("{\"results\":[{\"plate\":\"ABC\"")]
    public void OpenAlpr_WrongFormat_FalseWithReason(string line)
    {
        var reads = new List<List<PlateCandidate>>();
        Assert.False(new OpenAlprJsonParser().TryParse(line, reads, out string problem));
        Assert.NotEmpty(problem);
    }

    [Fact]
    public void OpenAlpr_AbsurdNesting_RefusedNotCrashed()
    {
        string deep = "{\"results\":" + new string('[', 5000) + new string(']', 5000) + "}";
        var reads = new List<List<PlateCandidate>>();
        Assert.False(new OpenAlprJsonParser().TryParse(deep, reads, out _));
    }
}

public sealed class PlateReadProcessorTests
{
    private static PlateReaderOptions Options(PlateReaderFormat format = PlateReaderFormat.OpenalprJson, int topN = 3) => new()
    {
        Id = "lpr-front",
        Format = format,
        TopN = topN,
        DedupeWindow = TimeSpan.FromSeconds(5),
        Serial = new SerialOptions { Port = "/dev/null" },
    };

    [Fact]
    public void Rank_InvalidContainerCheckDigit_CappedAndValidCandidatePreferred()
    {
        List<PlateCandidate> ranked = PlateReadProcessor.Rank(
            [new PlateCandidate("CSQU3054384", 95), new PlateCandidate("CSQU3054383", 80), new PlateCandidate("CSQU3054388", 60)], topN: 2);
        Assert.Equal(["CSQU3054383", "CSQU3054384"], ranked.Select(c => c.Text));
        Assert.True(ranked[0].Container!.CheckDigitValid);
        Assert.Equal(PlateReadProcessor.InvalidCheckDigitConfidenceCap, ranked[1].Confidence);
    }

    [Fact]
    public void Feed_TopN_KeepsBestN()
    {
        var processor = new PlateReadProcessor(Options(topN: 2), new FakeTimeProvider());
        var reads = new List<PlateRead>();
        processor.Feed(Encoding.ASCII.GetBytes("""{"results":[{"plate":"AAA111","confidence":50,"candidates":[{"plate":"AAA111","confidence":50},{"plate":"AAA11I","confidence":70},{"plate":"AA4111","confidence":20}]}]}""" + "\n"), reads.Add);
        PlateRead read = Assert.Single(reads);
        Assert.Equal(["AAA11I", "AAA111"], read.Candidates.Select(c => c.Text));
    }

    [Fact]
    public void Feed_RepeatWithinWindow_CountedOnceThenAgainAfterWindow()
    {
        var time = new FakeTimeProvider();
        var processor = new PlateReadProcessor(Options(PlateReaderFormat.Template), time);
        var reads = new List<PlateRead>();
        byte[] line = "ABC123,90\r\n"u8.ToArray();
        processor.Feed(line, reads.Add);
        time.Advance(TimeSpan.FromSeconds(2));
        processor.Feed(line, reads.Add);
        time.Advance(TimeSpan.FromSeconds(4));
        processor.Feed(line, reads.Add);
        Assert.Single(reads);
        Assert.Equal(2, processor.Statistics.Suppressed);

        time.Advance(TimeSpan.FromSeconds(5));
        processor.Feed(line, reads.Add);
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public void Feed_StxEtxWithGarbageOutsideRecords_ReadsParsedGarbageCounted()
    {
        var processor = new PlateReadProcessor(Options(PlateReaderFormat.StxEtx), new FakeTimeProvider());
        var reads = new List<PlateRead>();
        processor.Feed([.. "noise"u8, 0x02, .. "ABC123,77"u8, 0x03, .. "\r\n"u8, 0x02, .. "XYZ9"u8, 0x02, .. "DEF456,66"u8, 0x03], reads.Add);
        Assert.Equal(["ABC123", "DEF456"], reads.Select(r => r.Best.Text));
        Assert.True(processor.Statistics.Framer.GarbageBytes >= 9);
    }

    [Fact]
    public void Feed_OversizedAndWrongFormat_CountedNoRead()
    {
        var processor = new PlateReadProcessor(Options(PlateReaderFormat.Template), new FakeTimeProvider());
        var reads = new List<PlateRead>();
        var problems = new List<string>();
        processor.BadRecord = problems.Add;
        processor.Feed([.. Enumerable.Repeat((byte)'A', 2000), (byte)'\n', .. "hello world\n"u8, .. "OK1234,50\n"u8], reads.Add);
        Assert.Equal("OK1234", Assert.Single(reads).Best.Text);
        Assert.Equal(1, processor.Statistics.Framer.OversizedRecords);
        Assert.Equal(1, processor.Statistics.BadRecords);
        Assert.Single(problems);
    }
}
