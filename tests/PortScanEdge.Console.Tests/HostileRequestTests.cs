using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Host.Lanes;

namespace PortScanEdge.Console.Tests;

/// <summary>
/// Hostile and malformed HTTP against the running console: every one gets a 4xx with a message naming what is
/// wrong, and the vehicle waiting for a decision is untouched afterwards.
/// </summary>
[Collection(ConsoleGatewayGroup.Name)]
public sealed class HostileRequestTests(ConsoleGateway gateway)
{
    private sealed record Session(HttpClient Client, string Csrf) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    private async Task<Session> SignInAsync()
    {
        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = gateway.BaseAddress };
        using var response = await client.PostAsJsonAsync("/api/sign-in", new { operator_id = ConsoleGateway.OperatorId, pin = ConsoleGateway.OperatorPin });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var cookie = string.Join(";", response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        return new Session(client, json.RootElement.GetProperty("csrf_token").GetString()!);
    }

    private static HttpRequestMessage Post(string path, string body, string? csrf, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrf);
        }

        return request;
    }

    private void AssertUntouched(VehicleTransaction vehicle)
    {
        var current = gateway.Hub.CurrentOf(ConsoleGateway.LaneId);
        Assert.Equal(vehicle.Id, current?.Id);
        Assert.Equal(TransactionStage.AwaitingDecision, current!.Stage);
        Assert.Null(current.Decision);
    }

    [Fact]
    public async Task DecisionRequests_MalformedOversizedOrForged_4xxAndNothingChanges()
    {
        var vehicle = await gateway.WaitForReferredVehicleAsync();
        using var session = await SignInAsync();
        var path = $"/api/lanes/{ConsoleGateway.LaneId}/decision";
        var good = $"{{\"transaction_id\":\"{vehicle.Id}\",\"action\":\"refer\"}}";
        var cases = new (string Name, HttpRequestMessage Request, HttpStatusCode Expected, string Message)[]
        {
            ("no CSRF token", Post(path, good, null), HttpStatusCode.Forbidden, "CSRF"),
            ("wrong CSRF token", Post(path, good, session.Csrf[..^2] + "xx"), HttpStatusCode.Forbidden, "CSRF"),
            ("form post", Post(path, "transaction_id=" + vehicle.Id + "&action=refer", session.Csrf, "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType, "application/json"),
            ("malformed JSON", Post(path, "{\"transaction_id\":", session.Csrf), HttpStatusCode.BadRequest, "malformed JSON"),
            ("JSON array", Post(path, "[1,2,3]", session.Csrf), HttpStatusCode.BadRequest, "malformed JSON"),
            ("unknown field", Post(path, good.TrimEnd('}') + ",\"is_override\":true}", session.Csrf), HttpStatusCode.BadRequest, "malformed JSON"),
            ("oversized", Post(path, good.TrimEnd('}') + ",\"reason\":\"" + new string('x', 20_000) + "\"}", session.Csrf), HttpStatusCode.RequestEntityTooLarge, "at most"),
            ("bad action", Post(path, good.Replace("refer", "open_barrier", StringComparison.Ordinal), session.Csrf), HttpStatusCode.BadRequest, "action"),
            ("traversal id", Post(path, good.Replace(vehicle.Id, "../../../../../etc/passwd", StringComparison.Ordinal), session.Csrf), HttpStatusCode.BadRequest, "ULID"),
            ("unknown lane", Post($"/api/lanes/lane-9/decision", good, session.Csrf), HttpStatusCode.NotFound, "no such lane"),
            ("release without supervisor", Post(path, good.Replace("refer", "release", StringComparison.Ordinal), session.Csrf), HttpStatusCode.BadRequest, "reason"),
        };

        // A well-behaved client announces a large body (Expect: 100-continue) and sends it only if the server wants it;
        // the server refuses on Content-Length alone. Without it the client's unsent bytes can race the 413 and the
        // connection reset that follows it hides the answer.
        cases.Single(c => c.Name == "oversized").Request.Headers.ExpectContinue = true;

        var crossSite = Post(path, good, session.Csrf);
        crossSite.Headers.Add("Origin", "http://evil.example");
        cases = [.. cases, ("cross-origin", crossSite, HttpStatusCode.Forbidden, "cross-origin")];

        foreach (var (name, request, expected, message) in cases)
        {
            using (request)
            using (var response = await session.Client.SendAsync(request))
            {
                Assert.True(expected == response.StatusCode, $"{name}: expected {expected}, got {response.StatusCode}");
                Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            AssertUntouched(vehicle);
        }
    }

    [Theory]
    [InlineData("/api/images/..%2F..%2F..%2Fetc%2Fpasswd/overlay.png", HttpStatusCode.BadRequest)]
    [InlineData("/api/images/01M8M7HC3MTTVWW0HZK6QK4P98/overlay.png", HttpStatusCode.NotFound)]
    [InlineData("/api/images/{id}/..%2F..%2Fconfig.yaml", HttpStatusCode.NotFound)]
    [InlineData("/api/images/{id}/overlay.png?size=999999", HttpStatusCode.BadRequest)]
    [InlineData("/../../etc/passwd", HttpStatusCode.NotFound)]
    [InlineData("/console.js/../../../etc/passwd", HttpStatusCode.NotFound)]
    public async Task ImageAndFileRequests_Hostile_4xx(string path, HttpStatusCode expected)
    {
        var vehicle = await gateway.WaitForReferredVehicleAsync();
        using var session = await SignInAsync();
        using var response = await session.Client.GetAsync(path.Replace("{id}", vehicle.Id, StringComparison.Ordinal));
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Images_SignedIn_BoundedPreviewAndFull()
    {
        var vehicle = await gateway.WaitForReferredVehicleAsync();
        using var session = await SignInAsync();
        foreach (var (size, bound) in new[] { ("preview", 1280), ("full", 4096) })
        {
            using var response = await session.Client.GetAsync($"/api/images/{vehicle.Id}/radiograph.png?size={size}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            var png = await response.Content.ReadAsByteArrayAsync();
            var width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
            var height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
            Assert.True(Math.Max(width, height) <= bound, $"{size}: {width}x{height} exceeds {bound}");
            Assert.True(width > 0 && height > 0);
        }
    }

    [Fact]
    public async Task Images_VehicleClosedAndArchived_StillServedFromTheArchive()
    {
        var vehicle = await gateway.WaitForReferredVehicleAsync();
        var notifications = gateway.Hub.Subscribe();
        using var session = await SignInAsync();
        using (var decided = await session.Client.SendAsync(Post($"/api/lanes/{ConsoleGateway.LaneId}/decision", $"{{\"transaction_id\":\"{vehicle.Id}\",\"action\":\"refer\"}}", session.Csrf)))
        {
            Assert.Equal(HttpStatusCode.Accepted, decided.StatusCode);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await foreach (var notification in notifications.ReadAllAsync(timeout.Token))
        {
            if (notification is TransactionNotification { Closed: true } closed && closed.Transaction.Id == vehicle.Id)
            {
                break;
            }
        }

        // The evidence bridge archives the closed vehicle, then releases its working copies.
        while (File.Exists(gateway.Files.OverlayPath(vehicle.Id)))
        {
            await Task.Delay(50, timeout.Token);
        }

        foreach (var kind in new[] { "radiograph.png", "overlay.png" })
        {
            using var response = await session.Client.GetAsync($"/api/images/{vehicle.Id}/{kind}?size=preview");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{kind}: {response.StatusCode}");
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task SignIn_RepeatedWrongPins_RateLimitedPerOperatorId()
    {
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/sign-in", new { operator_id = "mallory", pin = "00" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture) });
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), HttpStatusCode.TooManyRequests], statuses);

        // Another operator at the same booth can still sign in.
        using var session = await SignInAsync();
        Assert.NotEmpty(session.Csrf);
    }

    [Fact]
    public async Task Pages_CarrySecurityHeadersAndNoSecrets()
    {
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        foreach (var path in new[] { "/", "/console.js", "/api/snapshot", "/api/session" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("pbkdf2", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<script>", body, StringComparison.OrdinalIgnoreCase);
        }

        // Without a session there is no CSRF token and no vehicle detail.
        var session = await client.GetFromJsonAsync<JsonElement>("/api/session");
        Assert.False(session.TryGetProperty("csrf_token", out _));
        var snapshot = await client.GetStringAsync("/api/snapshot");
        Assert.DoesNotContain("\"plates\":[{", snapshot, StringComparison.Ordinal);
    }
}
