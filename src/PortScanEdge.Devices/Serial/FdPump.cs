using System.IO.Pipelines;
using System.Runtime.InteropServices;

namespace PortScanEdge.Devices.Serial;

/// <summary>
/// Moves bytes between a non-blocking file descriptor (a serial port or a pseudo-terminal master) and a
/// <see cref="Pipe"/>: one dedicated reader thread blocks in <c>poll(2)</c> on the descriptor and on an eventfd
/// used to stop it, so an idle port costs no CPU at all (System.IO.Ports' own Unix loop wakes every millisecond;
/// see hardware/README.md, "Idle CPU"). Writes are plain <c>write(2)</c> calls, waiting in <c>poll</c> for
/// POLLOUT when the kernel buffer is full.
/// </summary>
/// <remarks>
/// The pump does not own the descriptor: its owner closes it after <see cref="DisposeAsync"/> returned, so the
/// reader thread can never read a recycled descriptor number.
/// </remarks>
internal sealed class FdPump : IAsyncDisposable
{
    private const int ReadChunk = 4096;

    private readonly int _fd;
    private readonly int _wakeFd;
    private readonly Pipe _pipe;
    private readonly Thread _thread;
    private readonly Lock _writeLock = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;

    private readonly int _writeWaitMilliseconds;

    /// <param name="fd">The descriptor (not owned).</param>
    /// <param name="name">For the reader thread's name.</param>
    /// <param name="writeWait">How long a write may wait for room in the kernel buffer before <see cref="TimeoutException"/>.</param>
    public FdPump(int fd, string name, TimeSpan? writeWait = null)
    {
        _fd = fd;
        _writeWaitMilliseconds = (int)(writeWait ?? TimeSpan.FromSeconds(1)).TotalMilliseconds;
        LibC.SetNonBlocking(fd);
        _wakeFd = LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (_wakeFd < 0)
        {
            throw new IOException($"eventfd failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        // Back-pressure: the reader stops reading when 64 KiB are unconsumed; the kernel then buffers, and a real
        // UART would drop. A healthy consumer never lets it get there.
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = $"serial-rx {name}" };
        _thread.Start();
    }

    /// <summary>Bytes read from the descriptor. Completes on end of file, hang-up or error (with an <see cref="IOException"/>).</summary>
    public PipeReader Input => _pipe.Reader;

    /// <summary>Writes all of <paramref name="data"/>, waiting for room when the kernel buffer is full.</summary>
    public unsafe void Write(ReadOnlySpan<byte> data)
    {
        lock (_writeLock)
        {
            fixed (byte* start = data)
            {
                int offset = 0;
                while (offset < data.Length)
                {
                    ObjectDisposedException.ThrowIf(_stopping, this);

                    nint n = LibC.Write(_fd, start + offset, (nuint)(data.Length - offset));
                    if (n > 0)
                    {
                        offset += (int)n;
                        continue;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (n < 0 && errno == LibC.EINTR)
                    {
                        continue;
                    }

                    if (n < 0 && errno == LibC.EAGAIN)
                    {
                        var pfd = new LibC.PollFd { Fd = _fd, Events = LibC.POLLOUT };
                        int ready = LibC.Poll(&pfd, 1, _writeWaitMilliseconds);
                        if (ready == 0)
                        {
                            throw new TimeoutException($"serial write: no room in the output buffer for {_writeWaitMilliseconds} ms");
                        }

                        if ((pfd.Revents & (LibC.POLLHUP | LibC.POLLERR | LibC.POLLNVAL)) != 0)
                        {
                            throw new IOException("serial write: the device hung up");
                        }

                        continue;
                    }

                    throw new IOException($"serial write failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                }
            }
        }
    }

    private unsafe void ReadLoop()
    {
        PipeWriter writer = _pipe.Writer;
        Exception? error = null;
        try
        {
            LibC.PollFd* fds = stackalloc LibC.PollFd[2];
            while (!_stopping)
            {
                fds[0] = new LibC.PollFd { Fd = _fd, Events = LibC.POLLIN };
                fds[1] = new LibC.PollFd { Fd = _wakeFd, Events = LibC.POLLIN };
                int ready = LibC.Poll(fds, 2, -1);
                if (ready < 0)
                {
                    if (Marshal.GetLastPInvokeError() == LibC.EINTR)
                    {
                        continue;
                    }

                    error = new IOException($"poll failed: {Marshal.GetLastPInvokeErrorMessage()}");
                    break;
                }

                if (_stopping || fds[1].Revents != 0)
                {
                    break;
                }

                short revents = fds[0].Revents;
                if ((revents & LibC.POLLNVAL) != 0)
                {
                    error = new IOException("the device descriptor is no longer valid");
                    break;
                }

                if ((revents & (LibC.POLLIN | LibC.POLLHUP | LibC.POLLERR)) == 0)
                {
                    continue;
                }

                Memory<byte> memory = writer.GetMemory(ReadChunk);
                nint n;
                fixed (byte* buffer = memory.Span)
                {
                    n = LibC.Read(_fd, buffer, (nuint)memory.Length);
                }

                if (n > 0)
                {
                    writer.Advance((int)n);
                    FlushResult flushed = writer.FlushAsync().AsTask().GetAwaiter().GetResult();
                    if (flushed.IsCompleted)
                    {
                        break;
                    }

                    continue;
                }

                if (n == 0)
                {
                    error = new IOException("the device reported end of file (closed or unplugged)");
                    break;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno is LibC.EAGAIN or LibC.EINTR)
                {
                    if ((revents & (LibC.POLLHUP | LibC.POLLERR)) != 0)
                    {
                        error = new IOException("the device hung up (closed or unplugged)");
                        break;
                    }

                    continue;
                }

                error = new IOException(errno == LibC.EIO
                    ? "the device hung up (I/O error: closed or unplugged)"
                    : $"serial read failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                break;
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            error = ex;
        }
        finally
        {
            writer.Complete(_stopping ? null : error);
            _stopped.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping)
        {
            await _stopped.Task.ConfigureAwait(false);
            return;
        }

        _stopping = true;
        WakeReader();
        _pipe.Reader.CancelPendingRead();
        try
        {
            await _stopped.Task.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The reader thread is parked in FlushAsync because nobody consumes: completing the reader frees it.
            await _pipe.Reader.CompleteAsync().ConfigureAwait(false);
            await _stopped.Task.ConfigureAwait(false);
        }

        LibC.Close(_wakeFd);
    }

    private unsafe void WakeReader()
    {
        ulong one = 1;
        LibC.Write(_wakeFd, (byte*)&one, sizeof(ulong));
    }
}
