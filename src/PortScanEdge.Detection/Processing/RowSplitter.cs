using System.Runtime.ExceptionServices;

namespace PortScanEdge.Detection.Processing;

/// <summary>
/// Shares row-wise work (downsampling, tile copies, stitching) between the calling thread and one helper thread
/// of its own, so that the pre- and post-processing around an inference use both cores the inference itself
/// uses — ONNX Runtime's threads are idle then. The caller takes the first half of the rows, the helper the
/// second; the call returns when both are done. One per detector workspace (never two calls at once); a job
/// object is reused, so a frame allocates nothing here. On a one-core machine, or for <see cref="Inline"/>,
/// everything runs on the caller.
/// </summary>
public sealed class RowSplitter : IDisposable
{
    private readonly Thread? helper;
    private readonly SemaphoreSlim go = new(0, 1);
    private readonly SemaphoreSlim finished = new(0, 1);
    private IJob? job;
    private int split;
    private int rows;
    private Exception? helperFailure;
    private bool disposed;

    /// <summary>Creates a splitter with a helper thread when the machine has more than one core.</summary>
    public RowSplitter()
        : this(Environment.ProcessorCount > 1)
    {
    }

    private RowSplitter(bool withHelper)
    {
        if (withHelper)
        {
            helper = new Thread(HelperLoop) { IsBackground = true, Name = "portscan-detect-rows" };
            helper.Start();
        }
    }

    /// <summary>Work over a range of rows; <see cref="Run(int, int, int)"/> is called once per part.</summary>
    public interface IJob
    {
        /// <summary>Processes rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) as part <paramref name="part"/> (0 or 1).</summary>
        void Run(int firstRow, int endRow, int part);
    }

    /// <summary>A splitter that runs everything on the caller (tests, one-off tools).</summary>
    public static RowSplitter Inline { get; } = new(withHelper: false);

    /// <summary>How many parts a job may be split into (1 or 2): size per-part scratch space by it.</summary>
    public static int MaxParts => 2;

    /// <summary>Runs <paramref name="work"/> over <paramref name="rowCount"/> rows, split in two when there is a helper.</summary>
    public void Run(IJob work, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (helper is null || rowCount < 2)
        {
            work.Run(0, rowCount, 0);
            return;
        }

        job = work;
        rows = rowCount;
        split = rowCount / 2;
        helperFailure = null;
        go.Release();
        Exception? callerFailure = null;
        try
        {
            work.Run(0, split, 0);
        }
        catch (Exception ex)
        {
            callerFailure = ex;
        }

        finished.Wait();
        job = null;
        if ((callerFailure ?? helperFailure) is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (disposed || helper is null)
        {
            return;
        }

        disposed = true;
        go.Release();
        helper.Join();
        go.Dispose();
        finished.Dispose();
    }

    private void HelperLoop()
    {
        while (true)
        {
            go.Wait();
            if (disposed)
            {
                return;
            }

            try
            {
                job!.Run(split, rows, 1);
            }
            catch (Exception ex)
            {
                helperFailure = ex;
            }
            finally
            {
                finished.Release();
            }
        }
    }
}
