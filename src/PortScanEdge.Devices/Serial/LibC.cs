using System.Runtime.InteropServices;

namespace PortScanEdge.Devices.Serial;

/// <summary>
/// The few libc calls the serial transports and the pseudo-terminal emulators need (Linux; glibc and musl
/// agree on these). Kept internal: callers get safe wrappers.
/// </summary>
internal static partial class LibC
{
    private const string Library = "libc";

    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EAGAIN = 11;

    public const short POLLIN = 0x001;
    public const short POLLOUT = 0x004;
    public const short POLLERR = 0x008;
    public const short POLLHUP = 0x010;
    public const short POLLNVAL = 0x020;

    public const int O_RDWR = 0x0002;
    public const int O_NOCTTY = 0x0100;
    public const int O_NONBLOCK = 0x0800;
    public const int O_CLOEXEC = 0x80000;

    public const int F_GETFL = 3;
    public const int F_SETFL = 4;

    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    public const int TCSANOW = 0;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "posix_openpt", SetLastError = true)]
    public static partial int PosixOpenpt(int flags);

    [LibraryImport(Library, EntryPoint = "grantpt", SetLastError = true)]
    public static partial int Grantpt(int fd);

    [LibraryImport(Library, EntryPoint = "unlockpt", SetLastError = true)]
    public static partial int Unlockpt(int fd);

    [LibraryImport(Library, EntryPoint = "ptsname_r", SetLastError = true)]
    public static unsafe partial int PtsnameR(int fd, byte* buffer, nuint length);

    [LibraryImport(Library, EntryPoint = "tcgetattr", SetLastError = true)]
    public static unsafe partial int Tcgetattr(int fd, byte* termios);

    [LibraryImport(Library, EntryPoint = "tcsetattr", SetLastError = true)]
    public static unsafe partial int Tcsetattr(int fd, int optionalActions, byte* termios);

    public const int TCIFLUSH = 0;

    [LibraryImport(Library, EntryPoint = "tcflush", SetLastError = true)]
    public static partial int Tcflush(int fd, int queueSelector);

    [LibraryImport(Library, EntryPoint = "cfmakeraw")]
    public static unsafe partial void Cfmakeraw(byte* termios);

    /// <summary>Sets O_NONBLOCK on a descriptor.</summary>
    public static void SetNonBlocking(int fd)
    {
        int flags = Fcntl(fd, F_GETFL, 0);
        if (flags < 0 || Fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        {
            throw new IOException($"fcntl(O_NONBLOCK) failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>Puts a terminal into raw mode (no echo, no line editing, no CR/LF translation, 8 bits).</summary>
    public static unsafe void MakeRaw(int fd)
    {
        // struct termios is 60 bytes on Linux glibc; a larger buffer keeps this independent of the exact layout.
        byte* termios = stackalloc byte[256];
        if (Tcgetattr(fd, termios) != 0)
        {
            throw new IOException($"tcgetattr failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        Cfmakeraw(termios);
        if (Tcsetattr(fd, TCSANOW, termios) != 0)
        {
            throw new IOException($"tcsetattr failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }
}
