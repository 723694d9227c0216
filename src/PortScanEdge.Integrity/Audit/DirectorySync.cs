using System.Runtime.InteropServices;

namespace PortScanEdge.Integrity.Audit;

/// <summary>fsync(2) of a directory, so that a newly created or renamed file survives a power cut.</summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY opens a directory on Linux; O_DIRECTORY differs between architectures

    public static void Fsync(string path)
    {
        var fd = Open(path, ReadOnly);
        if (fd < 0)
        {
            return; // best effort: a file system that cannot open directories still got the file's own fsync
        }

        try
        {
            _ = FsyncNative(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
