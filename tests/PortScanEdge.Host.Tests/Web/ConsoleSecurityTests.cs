using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using PortScanEdge.Host.Web;

namespace PortScanEdge.Host.Tests.Web;

public class OperatorCredentialsTests
{
    [Fact]
    public void Verify_RightPin_ReturnsEntryWithRole()
    {
        var line = OperatorCredentials.Format(OperatorCredentials.Create("anna.k", OperatorRole.Supervisor, "4711", 1_000));
        var credentials = OperatorCredentials.Parse("# comment\n\n" + line + "\n", out var problems);
        Assert.Empty(problems);
        var entry = credentials.Verify("anna.k", "4711");
        Assert.NotNull(entry);
        Assert.Equal(OperatorRole.Supervisor, entry!.Role);
    }

    [Theory]
    [InlineData("anna.k", "4712")]
    [InlineData("anna.K", "4711")]
    [InlineData("bob", "4711")]
    [InlineData("anna.k", "")]
    [InlineData("anna.k", "47110000000000000000000000000000000")]
    public void Verify_WrongIdOrPin_ReturnsNull(string id, string pin)
    {
        var credentials = OperatorCredentials.Parse(OperatorCredentials.Format(OperatorCredentials.Create("anna.k", OperatorRole.Operator, "4711", 1_000)), out _);
        Assert.Null(credentials.Verify(id, pin));
    }

    [Fact]
    public void Create_SamePinTwice_DifferentSaltAndHash()
    {
        var a = OperatorCredentials.Create("x", OperatorRole.Operator, "1234", 1_000);
        var b = OperatorCredentials.Create("x", OperatorRole.Operator, "1234", 1_000);
        Assert.NotEqual(a.Salt, b.Salt);
        Assert.NotEqual(a.Hash, b.Hash);
        Assert.DoesNotContain("1234", OperatorCredentials.Format(a), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anna:operator:pbkdf2-sha256:1000:AAAA", "line 1: expected")]
    [InlineData("an na:operator:pbkdf2-sha256:1000:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "operator id")]
    [InlineData("anna:admin:pbkdf2-sha256:1000:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "role 'admin'")]
    [InlineData("anna:1:pbkdf2-sha256:1000:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "role '1'")]
    [InlineData("anna:operator:md5:1000:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "algorithm")]
    [InlineData("anna:operator:pbkdf2-sha256:10:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "iterations")]
    [InlineData("anna:operator:pbkdf2-sha256:1000:AAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "salt")]
    public void Parse_MalformedLine_ProblemNamesLineAndField(string line, string expected)
    {
        var credentials = OperatorCredentials.Parse(line, out var problems);
        Assert.Empty(credentials.Entries);
        var problem = Assert.Single(problems);
        Assert.StartsWith("line 1:", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateId_Reported()
    {
        var line = OperatorCredentials.Format(OperatorCredentials.Create("anna", OperatorRole.Operator, "1234", 1_000));
        OperatorCredentials.Parse(line + "\n" + line, out var problems);
        Assert.Contains(problems, p => p.StartsWith("line 2:", StringComparison.Ordinal) && p.Contains("twice", StringComparison.Ordinal));
    }
}

public class SessionStoreTests
{
    private static readonly OperatorCredential Olga = OperatorCredentials.Create("olga", OperatorRole.Operator, "1234", 1_000);

    [Fact]
    public void Touch_AfterIdleTimeout_SessionGone()
    {
        var time = new FakeTimeProvider();
        var store = new SessionStore(time, TimeSpan.FromMinutes(15));
        var session = store.Start(Olga);
        time.Advance(TimeSpan.FromMinutes(14));
        Assert.NotNull(store.Touch(session.Id));
        time.Advance(TimeSpan.FromMinutes(14));
        Assert.NotNull(store.Touch(session.Id)); // each request restarts the idle timer
        time.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(store.Peek(session.Id));
        Assert.Null(store.Touch(session.Id));
    }

    [Fact]
    public void Peek_DoesNotExtendSession()
    {
        var time = new FakeTimeProvider();
        var store = new SessionStore(time, TimeSpan.FromMinutes(15));
        var session = store.Start(Olga);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.NotNull(store.Peek(session.Id));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(store.Touch(session.Id));
    }

    [Fact]
    public void End_SessionGoneAndTokensUnique()
    {
        var store = new SessionStore(new FakeTimeProvider(), TimeSpan.FromMinutes(15));
        var a = store.Start(Olga);
        var b = store.Start(Olga);
        Assert.NotEqual(a.Id, b.Id);
        Assert.NotEqual(a.CsrfToken, b.CsrfToken);
        Assert.NotEqual(a.Id, a.CsrfToken);
        store.End(a.Id);
        Assert.Null(store.Touch(a.Id));
        Assert.NotNull(store.Touch(b.Id));
    }

    [Fact]
    public void CsrfMatches_OnlyTheSessionsOwnToken()
    {
        var store = new SessionStore(new FakeTimeProvider(), TimeSpan.FromMinutes(15));
        var a = store.Start(Olga);
        var b = store.Start(Olga);
        Assert.True(SessionStore.CsrfMatches(a, a.CsrfToken));
        Assert.False(SessionStore.CsrfMatches(a, b.CsrfToken));
        Assert.False(SessionStore.CsrfMatches(a, null));
        Assert.False(SessionStore.CsrfMatches(a, string.Empty));
        Assert.False(SessionStore.CsrfMatches(a, a.CsrfToken[..^1]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-session")]
    public void Touch_UnknownId_Null(string? id) =>
        Assert.Null(new SessionStore(new FakeTimeProvider(), TimeSpan.FromMinutes(1)).Touch(id));
}

public class SignInThrottleTests
{
    [Fact]
    public void IsAllowed_AfterFiveFailures_RefusedUntilWindowPasses()
    {
        var time = new FakeTimeProvider();
        var throttle = new SignInThrottle(time, attempts: 5, window: TimeSpan.FromMinutes(5));
        for (var i = 0; i < 5; i++)
        {
            Assert.True(throttle.IsAllowed("id:olga", "ip:10.0.0.9"));
            throttle.RecordFailure("id:olga", "ip:10.0.0.9");
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.False(throttle.IsAllowed("id:olga", "ip:10.0.0.1"));  // a locked key refuses whatever else is asked
        Assert.False(throttle.IsAllowed("id:sam", "ip:10.0.0.9"));
        Assert.True(throttle.IsAllowed("id:sam", "ip:10.0.0.1"));
        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(50));
        Assert.True(throttle.IsAllowed("id:olga"));                 // the oldest failure left the window
    }

    [Fact]
    public void Reset_ForgetsFailuresOfThatKeyOnly()
    {
        var throttle = new SignInThrottle(new FakeTimeProvider(), attempts: 2, window: TimeSpan.FromMinutes(5));
        throttle.RecordFailure("id:olga", "ip:a");
        throttle.RecordFailure("id:olga", "ip:a");
        throttle.Reset("id:olga");
        Assert.True(throttle.IsAllowed("id:olga"));
        Assert.False(throttle.IsAllowed("ip:a"));
    }
}

public class RequestValidationTests
{
    [Theory]
    [InlineData("01M8M7HC3MTTVWW0HZK6QK4P98", true)]
    [InlineData("01M8M7HC3MTTVWW0HZK6QK4P9", false)]
    [InlineData("../../../../etc/passwd....", false)]
    [InlineData("01M8M7HC3MTTVWW0HZK6QK4P9I", false)]
    [InlineData("01M8M7HC3MTTVWW0HZK6QK4P9%", false)]
    [InlineData(null, false)]
    public void IsTransactionId_OnlyUlids(string? value, bool expected) =>
        Assert.Equal(expected, RequestValidation.IsTransactionId(value));

    [Theory]
    [InlineData("lane-1", true)]
    [InlineData("lane_2", true)]
    [InlineData("..", false)]
    [InlineData("lane/1", false)]
    [InlineData("", false)]
    public void IsLaneId_OnlyConfigIds(string value, bool expected) =>
        Assert.Equal(expected, RequestValidation.IsLaneId(value));

    [Fact]
    public void SecurityHeaders_ForbidFramingInlineScriptAndSniffing()
    {
        IHeaderDictionary headers = new HeaderDictionary();
        ConsoleEndpoints.SecurityHeaders(headers, https: true);
        var csp = headers.ContentSecurityPolicy.ToString();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", headers.XFrameOptions.ToString());
        Assert.Equal("nosniff", headers.XContentTypeOptions.ToString());
        Assert.StartsWith("max-age=", headers.StrictTransportSecurity.ToString(), StringComparison.Ordinal);
    }
}
