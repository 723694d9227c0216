using PortScanEdge.Detection.Inference;
using PortScanEdge.Detection.Tests.Support;

namespace PortScanEdge.Detection.Tests.Inference;

public sealed class BatchBindingsTests
{
    [Fact]
    public void For_NineTilesAtBatchFour_BindsFourFourThenOne()
    {
        using var model = OnnxAnomalyModel.Load(Fixtures.TestModelPath, Fixtures.Options());
        using var bindings = new BatchBindings(model, 4);

        var sizes = new List<int>();
        for (var done = 0; done < 9; done += sizes[^1])
        {
            sizes.Add(bindings.For(9 - done).BatchSize);
        }

        Assert.Equal([4, 4, 1], sizes);
        Assert.Same(bindings.For(9), bindings.For(4));
        Assert.Equal(1, bindings.For(1).Input.Length / (model.Contract.Channels * bindings.For(1).TileLength));
    }

    [Fact]
    public void Constructor_BatchBelowOne_Throws()
    {
        using var model = OnnxAnomalyModel.Load(Fixtures.TestModelPath, Fixtures.Options());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchBindings(model, 0));
    }
}
