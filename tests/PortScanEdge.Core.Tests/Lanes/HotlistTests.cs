using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Lanes;
using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Core.Tests.Lanes;

public class HotlistTests
{
    private static PlateReadRecord ReadOf(params string[] candidates) =>
        new("r", PlateReaderPosition.Front, DateTimeOffset.UnixEpoch, candidates.Select(c => new PlateCandidateRecord(c, 0.8, false, null)).ToList());

    [Fact]
    public void Parse_EntriesNotesAndComments()
    {
        var (hotlist, problems) = Hotlist.Parse("# site hotlist\nABC-123, stolen\n\nmscu 123456-5 # container\n!\n");

        Assert.Equal(2, hotlist.Count);
        Assert.Equal((5, "'!' is not a plate or container code (2-20 letters and digits)"), Assert.Single(problems));
    }

    [Fact]
    public void Match_IgnoresCaseSpacesAndDashes_AndLooksAtEveryCandidate()
    {
        var hotlist = Hotlist.Parse("ABC-123,stolen\n").Hotlist;

        var hit = hotlist.Match([ReadOf("XYZ999", "abc 123")]);

        Assert.Equal(new HotlistHit("ABC-123", "abc 123", "stolen"), hit);
        Assert.Null(hotlist.Match([ReadOf("ABC124")]));
    }
}
