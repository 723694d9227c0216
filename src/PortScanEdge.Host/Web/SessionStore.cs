using System.Security.Cryptography;

namespace PortScanEdge.Host.Web;

/// <summary>A signed-in operator's session.</summary>
/// <param name="Id">The session id carried in the cookie (random, 256 bits, base64url).</param>
/// <param name="OperatorId">Who signed in.</param>
/// <param name="Role">Their role.</param>
/// <param name="CsrfToken">The token every state-changing request must carry in the <c>X-CSRF-Token</c> header.</param>
/// <param name="LastSeen">The last request in this session.</param>
public sealed record ConsoleSession(string Id, string OperatorId, OperatorRole Role, string CsrfToken, DateTimeOffset LastSeen);

/// <summary>
/// Server-side sessions with an idle timeout. Nothing about the operator is in the cookie but a random id, so
/// signing out or a timeout ends the session for good. Thread-safe; time comes from the injected clock.
/// </summary>
public sealed class SessionStore(TimeProvider time, TimeSpan idleTimeout)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsoleSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>Starts a session for <paramref name="credential"/>.</summary>
    public ConsoleSession Start(OperatorCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var session = new ConsoleSession(NewToken(), credential.OperatorId, credential.Role, NewToken(), time.GetUtcNow());
        lock (_gate)
        {
            Prune();
            _sessions[session.Id] = session;
        }

        return session;
    }

    /// <summary>The live session with this id, touched (its idle timer restarts); null when unknown or timed out.</summary>
    public ConsoleSession? Touch(string? sessionId)
    {
        if (string.IsNullOrEmpty(sessionId) || sessionId.Length > 64)
        {
            return null;
        }

        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_sessions.TryGetValue(sessionId, out var session))
            {
                return null;
            }

            if (now - session.LastSeen >= idleTimeout)
            {
                _sessions.Remove(sessionId);
                return null;
            }

            session = session with { LastSeen = now };
            _sessions[sessionId] = session;
            return session;
        }
    }

    /// <summary>The live session with this id without touching it (for the event stream, which must not keep a session alive).</summary>
    public ConsoleSession? Peek(string? sessionId)
    {
        if (string.IsNullOrEmpty(sessionId) || sessionId.Length > 64)
        {
            return null;
        }

        lock (_gate)
        {
            return _sessions.TryGetValue(sessionId, out var session) && time.GetUtcNow() - session.LastSeen < idleTimeout ? session : null;
        }
    }

    /// <summary>Ends a session.</summary>
    public void End(string sessionId)
    {
        lock (_gate)
        {
            _sessions.Remove(sessionId);
        }
    }

    /// <summary>True when <paramref name="presented"/> is the session's CSRF token (constant-time comparison).</summary>
    public static bool CsrfMatches(ConsoleSession session, string? presented)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (presented is null || presented.Length != session.CsrfToken.Length)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(presented), System.Text.Encoding.ASCII.GetBytes(session.CsrfToken));
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (id, session) in _sessions.ToArray())
        {
            if (now - session.LastSeen >= idleTimeout)
            {
                _sessions.Remove(id);
            }
        }
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
