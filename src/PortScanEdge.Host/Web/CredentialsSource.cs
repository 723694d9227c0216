namespace PortScanEdge.Host.Web;

/// <summary>
/// The credentials file, re-read when its modification time changes, so adding an operator with
/// <c>portscan-edge operators add</c> takes effect without restarting the gateway. Thread-safe.
/// </summary>
internal sealed class CredentialsSource(string path, Action<string> reportProblem)
{
    private readonly Lock _gate = new();
    private bool _loaded;
    private DateTime _loadedStamp = DateTime.MinValue;
    private OperatorCredentials _current = OperatorCredentials.Empty;

    public string Path => path;

    public OperatorCredentials Current
    {
        get
        {
            lock (_gate)
            {
                var stamp = path.Length == 0 || !File.Exists(path) ? DateTime.MinValue : File.GetLastWriteTimeUtc(path);
                if (!_loaded || stamp != _loadedStamp)
                {
                    _loaded = true;
                    _loadedStamp = stamp;
                    if (path.Length == 0)
                    {
                        _current = OperatorCredentials.Empty;
                        reportProblem("web.credentials_file is empty; nobody can sign in");
                    }
                    else
                    {
                        _current = OperatorCredentials.Load(path, out var problems);
                        foreach (var problem in problems)
                        {
                            reportProblem(problem);
                        }
                    }
                }

                return _current;
            }
        }
    }
}
