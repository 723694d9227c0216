using PortScanEdge.Detection.Evaluation;

namespace PortScanEdge.Detection.Tests.Evaluation;

public class LabelsFileTests
{
    [Fact]
    public void Parse_ValidFile_ReadsLabelsAndBoxes()
    {
        var rows = LabelsFile.Parse(new StringReader("file,label,boxes\n000000.png,0,\n000001.png,1,10:20:30:40;5:6:7:8\n"));

        Assert.Equal(2, rows.Count);
        Assert.False(rows[0].IsAnomalous);
        Assert.Empty(rows[0].Boxes);
        Assert.True(rows[1].IsAnomalous);
        Assert.Equal([new LabelBox(10, 20, 30, 40), new LabelBox(5, 6, 7, 8)], rows[1].Boxes);
    }

    [Theory]
    [InlineData("name,label\n", "line 1")]
    [InlineData("file,label,boxes\na.png,2,\n", "line 2: label must be 0 or 1")]
    [InlineData("file,label,boxes\na.png,0,\n../b.png,1,1:1:1:1\n", "line 3: file '../b.png'")]
    [InlineData("file,label,boxes\na.png,1,1:2:3\n", "line 2: box '1:2:3'")]
    [InlineData("file,label,boxes\na.png,1,1:2:-3:4\n", "line 2: box")]
    [InlineData("file,label,boxes\na.png,1,1:2:0:4\n", "zero width")]
    [InlineData("file,label,boxes\na.png,0,\na.png,0,\n", "listed twice")]
    public void Parse_BadInput_NamesTheLine(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => LabelsFile.Parse(new StringReader(text)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
