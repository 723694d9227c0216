using PortScanEdge.Detection.Evaluation;

namespace PortScanEdge.Detection.Tests.Evaluation;

public class KindsFileTests
{
    [Fact]
    public void Parse_SynthFormat_GroupsKindsPerFile()
    {
        var kinds = KindsFile.Parse(new StringReader(
            "file,vehicle,kind,material,box\n000001.png,van,TyrePackage,organic,1:2:3:4\n000001.png,van,CargoBricks,cash,5:6:7:8\n" +
            "000001.png,van,TyrePackage,organic,9:9:9:9\n000003.png,car,OrganicMass,water,1:1:1:1\n"));

        Assert.Equal(["TyrePackage", "CargoBricks"], kinds["000001.png"]);
        Assert.Equal(["OrganicMass"], kinds["000003.png"]);
        Assert.Equal(2, kinds.Count);
    }

    [Fact]
    public void Parse_SiteFormat_FileAndKindColumnsInAnyOrder()
    {
        var kinds = KindsFile.Parse(new StringReader("kind,file\nfalse floor,scan-17.png\n"));

        Assert.Equal(["false floor"], kinds["scan-17.png"]);
    }

    [Theory]
    [InlineData("file,label\na.png,1\n", "line 1: header must name the columns 'file' and 'kind'")]
    [InlineData("", "line 1")]
    [InlineData("file,kind\na.png,Tyre\nb.png\n", "line 3: expected 2 fields")]
    [InlineData("file,kind\n,Tyre\n", "line 2: empty file name")]
    [InlineData("file,kind\na.png,\n", "line 2: kind must be 1 to 64")]
    public void Parse_BadInput_NamesTheLine(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => KindsFile.Parse(new StringReader(text)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KindTooLong_Refused()
    {
        var error = Assert.Throws<FormatException>(() => KindsFile.Parse(new StringReader("file,kind\na.png," + new string('k', 65) + "\n")));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }
}
