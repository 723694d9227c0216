using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text;
using PortScanEdge.Devices.Serial;

namespace PortScanEdge.Simulation.Pty;

/// <summary>
/// A real pseudo-terminal pair made with <c>posix_openpt</c>/<c>grantpt</c>/<c>unlockpt</c>/<c>ptsname_r</c> (no
/// external process). The emulator owns the master side and speaks the device protocol on it; the gateway opens
/// <see cref="DevicePath"/> with <see cref="System.IO.Ports.SerialPort"/> exactly as it opens a real adapter.
/// </summary>
/// <remarks>
/// The subordinate side is put in raw mode and kept open by this object, so the line discipline never echoes the
/// emulator's bytes back and the master does not see EIO between two gateway connections. Disposing closes both
/// sides: the gateway's descriptor then reports a hang-up, as when a USB adapter is pulled.
/// When a <c>linkPath</c> is given, a symbolic link there points at the subordinate (like
/// <c>/dev/serial/by-id/...</c>); it disappears when the pty is closed and a new pseudo-terminal creates it again
/// atomically, so a gateway configured with the link finds the device again after a "replug".
/// </remarks>
public sealed class PseudoTerminal : ISerialTransport
{
    private readonly int _master;
    private readonly int _subordinate;
    private readonly FdPump _pump;
    private readonly string? _linkPath;
    private bool _disposed;

    private PseudoTerminal(int master, int subordinate, string subordinatePath, string? linkPath)
    {
        _master = master;
        _subordinate = subordinate;
        SubordinatePath = subordinatePath;
        _linkPath = linkPath;
        _pump = new FdPump(master, $"pty {subordinatePath}", TimeSpan.FromMilliseconds(50));
    }

    /// <summary>The kernel's name of the subordinate side, e.g. <c>/dev/pts/7</c>.</summary>
    public string SubordinatePath { get; }

    /// <summary>The path a gateway should open: the stable link when one was asked for, else <see cref="SubordinatePath"/>.</summary>
    public string DevicePath => _linkPath ?? SubordinatePath;

    /// <inheritdoc />
    public string PortName => DevicePath;

    /// <inheritdoc />
    public int Baud => 0;

    /// <summary>Bytes the gateway wrote.</summary>
    public PipeReader Input => _pump.Input;

    /// <summary>Opens a new pseudo-terminal; <paramref name="linkPath"/>, if given, is (re)pointed at it.</summary>
    public static unsafe PseudoTerminal Open(string? linkPath = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("pseudo-terminal emulators need Linux");
        }

        int master = LibC.PosixOpenpt(LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        if (master < 0)
        {
            throw new IOException($"posix_openpt failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        int subordinate = -1;
        try
        {
            if (LibC.Grantpt(master) != 0 || LibC.Unlockpt(master) != 0)
            {
                throw new IOException($"grantpt/unlockpt failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            byte* name = stackalloc byte[128];
            int rc = LibC.PtsnameR(master, name, 128);
            if (rc != 0)
            {
                throw new IOException($"ptsname_r failed: {Marshal.GetPInvokeErrorMessage(rc)}");
            }

            string path = Encoding.ASCII.GetString(name, new ReadOnlySpan<byte>(name, 128).IndexOf((byte)0));
            subordinate = LibC.Open(path, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC | LibC.O_NONBLOCK);
            if (subordinate < 0)
            {
                throw new IOException($"open {path} failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            LibC.MakeRaw(subordinate);
            if (linkPath is not null)
            {
                PointLink(linkPath, path);
            }

            return new PseudoTerminal(master, subordinate, path, linkPath);
        }
        catch
        {
            if (subordinate >= 0)
            {
                LibC.Close(subordinate);
            }

            LibC.Close(master);
            throw;
        }
    }

    /// <summary>Writes bytes to the gateway.</summary>
    /// <remarks>
    /// A real UART transmits whether or not anyone listens. When nobody reads the other side and the kernel buffer is
    /// full, the unread bytes are discarded (<c>tcflush</c>) and the write retried: like bytes lost on an unplugged line.
    /// </remarks>
    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            _pump.Write(data);
        }
        catch (TimeoutException)
        {
            LibC.Tcflush(_subordinate, LibC.TCIFLUSH);
            _pump.Write(data);
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Write(data.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Removes the stable link, then closes both sides (the gateway sees a hang-up): as udev removes a
    /// <c>/dev/serial/by-id</c> name when the adapter is pulled. A dangling link would be worse than wrong: the kernel
    /// reuses pty numbers, so it could lead a reconnecting gateway to somebody else's terminal.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        RemoveLink();
        await _pump.DisposeAsync().ConfigureAwait(false);
        LibC.Close(_subordinate);
        LibC.Close(_master);
    }

    /// <summary>Removes the stable link if it still points at this pseudo-terminal.</summary>
    public void RemoveLink()
    {
        if (_linkPath is null)
        {
            return;
        }

        try
        {
            var info = new FileInfo(_linkPath);
            if (info.LinkTarget == SubordinatePath)
            {
                info.Delete();
            }
        }
        catch (IOException)
        {
        }
    }

    private static void PointLink(string linkPath, string target)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(linkPath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        // Create beside it and rename over it: rename(2) is atomic, so a gateway never sees the name missing.
        string temporary = linkPath + ".tmp-" + Environment.ProcessId;
        File.Delete(temporary);
        File.CreateSymbolicLink(temporary, target);
        File.Move(temporary, linkPath, overwrite: true);
    }
}
