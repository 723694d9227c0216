using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Lanes;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Host.Lanes;

namespace PortScanEdge.Host.Web;

/// <summary>Sign-in as the browser posts it.</summary>
public sealed class SignInRequest
{
    /// <summary>Operator id.</summary>
    public string? OperatorId { get; set; }

    /// <summary>PIN (digits).</summary>
    public string? Pin { get; set; }
}

/// <summary>The console's HTTP surface: page, assets, session, live events, images and decisions.</summary>
internal sealed partial class ConsoleEndpoints(

    WebOptions web,
    LaneViewBuilder views,
    LaneRegistry registry,
    CredentialsSource credentials,
    SessionStore sessions,
    SignInThrottle idThrottle,
    SignInThrottle clientThrottle,
    ConsoleBroadcaster broadcaster,
    TimeProvider time,
    ILogger logger,
    CancellationToken stopping) : IDisposable
{
    /// <summary>The session cookie's name.</summary>
    public const string SessionCookie = "pse_session";

    /// <summary>The header that carries the CSRF token.</summary>
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>How often an idle event stream sends a comment, so dead connections are noticed.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions RequestJson = CreateRequestJson();

    // PBKDF2 with 600 000 iterations is deliberately slow: one verification at a time so a sign-in flood
    // cannot take both cores from the lane.
    private readonly SemaphoreSlim _verify = new(1, 1);
    private readonly ImageRenderer _images = new();

    public void Dispose()
    {
        _verify.Dispose();
        _images.Dispose();
    }

    public void Map(WebApplication app, bool https)
    {
        // Read the credentials now so a missing or broken file is reported at start, not at the first sign-in.
        _ = credentials.Current;

        app.Use(async (context, next) =>
        {
            SecurityHeaders(context.Response.Headers, https);
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
            {
                context.Response.Headers.CacheControl = "no-store";
            }

            await next(context).ConfigureAwait(false);
        });

        app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/console.js", () => Asset("console.js", "text/javascript; charset=utf-8"));
        app.MapGet("/console.css", () => Asset("console.css", "text/css; charset=utf-8"));
        app.MapGet("/api/session", (HttpContext context) =>
        {
            var session = SessionOf(context);
            return Results.Json(new SessionView(session?.OperatorId, session?.Role, session?.CsrfToken, (int)web.SessionTimeout.TotalSeconds), TransactionJson.Options);
        });
        app.MapGet("/api/snapshot", (HttpContext context) => Results.Json(views.Build(SessionOf(context)), TransactionJson.Options));
        app.MapGet("/api/events", EventsAsync);
        app.MapPost("/api/sign-in", (Func<HttpContext, Task<IResult>>)SignInAsync);
        app.MapPost("/api/sign-out", (HttpContext context) =>
        {
            var session = SessionOf(context);
            if (session is null || !SessionStore.CsrfMatches(session, context.Request.Headers[CsrfHeader]))
            {
                return Problem(StatusCodes.Status403Forbidden, "sign-in and a valid CSRF token are required");
            }

            sessions.End(session.Id);
            context.Response.Cookies.Delete(SessionCookie);
            broadcaster.Changed();
            return Results.NoContent();
        });
        app.MapPost("/api/lanes/{laneId}/decision", (Func<HttpContext, string, Task<IResult>>)DecideAsync);
        app.MapGet("/api/images/{transactionId}/{kind}", (Func<HttpContext, string, string, string?, Task<IResult>>)ImageAsync);
    }

    internal static void SecurityHeaders(IHeaderDictionary headers, bool https)
    {
        // No inline script or style anywhere: everything the page runs comes from the gateway's own files.
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (https)
        {
            headers.StrictTransportSecurity = "max-age=31536000";
        }
    }

    private static JsonSerializerOptions CreateRequestJson()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            MaxDepth = 4,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static IResult Asset(string name, string contentType)
    {
        var stream = typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream("PortScanEdge.Host.Web.Assets." + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, contentType);
    }

    private static IResult Problem(int status, string message) =>
        Results.Json(new ErrorView(message), TransactionJson.Options, statusCode: status);

    private ConsoleSession? SessionOf(HttpContext context) =>
        sessions.Touch(context.Request.Cookies[SessionCookie]);

    /// <summary>Reads a small JSON body of type <typeparamref name="T"/>; a null value and the error response when it is not one.</summary>
    private static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpContext context)
        where T : class
    {
        if (!string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), "application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Content-Type must be application/json"));
        }

        if (context.Request.ContentLength is > RequestValidation.MaximumBodyBytes)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, $"request body must be at most {RequestValidation.MaximumBodyBytes} bytes"));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, RequestJson, context.RequestAborted).ConfigureAwait(false);
            return value is null ? (null, Problem(StatusCodes.Status400BadRequest, "request body must be a JSON object")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "malformed JSON: " + ex.Message.Split('.')[0]));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, $"request body must be at most {RequestValidation.MaximumBodyBytes} bytes"));
        }
    }

    /// <summary>A state-changing request from another site carries a foreign Origin; refuse it before anything else.</summary>
    private static bool IsSameOrigin(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) &&
            string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<IResult> SignInAsync(HttpContext context)
    {
        if (!IsSameOrigin(context))
        {
            return Problem(StatusCodes.Status403Forbidden, "cross-origin request refused");
        }

        var (request, error) = await ReadJsonAsync<SignInRequest>(context).ConfigureAwait(false);
        if (request is null)
        {
            return error!;
        }

        var operatorId = request.OperatorId?.Trim() ?? string.Empty;
        if (!OperatorCredentials.IsValidOperatorId(operatorId))
        {
            return Problem(StatusCodes.Status400BadRequest, "operator_id must be 1..32 letters, digits, '.', '_' or '-'");
        }

        if (!OperatorCredentials.IsValidPin(request.Pin))
        {
            return Problem(StatusCodes.Status400BadRequest, $"pin must be {OperatorCredentials.MinimumPinLength}..{OperatorCredentials.MaximumPinLength} digits");
        }

        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var (credential, throttled) = await VerifyAsync(operatorId, request.Pin!, client, context.RequestAborted).ConfigureAwait(false);
        if (credential is null)
        {
            return throttled
                ? Problem(StatusCodes.Status429TooManyRequests, "too many failed sign-ins; wait and try again")
                : Problem(StatusCodes.Status401Unauthorized, "operator id or PIN not accepted");
        }

        var session = sessions.Start(credential);
        context.Response.Cookies.Append(SessionCookie, session.Id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
        });
        LogSignedIn(logger, credential.OperatorId, credential.Role, client);
        broadcaster.Changed();
        return Results.Json(new SessionView(session.OperatorId, session.Role, session.CsrfToken, (int)web.SessionTimeout.TotalSeconds), TransactionJson.Options);
    }

    /// <summary>Checks an id and PIN under the rate limit: the entry, or null and whether the limit refused the attempt unchecked.</summary>
    private async Task<(OperatorCredential? Credential, bool Throttled)> VerifyAsync(string operatorId, string pin, string client, CancellationToken cancellationToken)
    {
        if (!idThrottle.IsAllowed(operatorId) || !clientThrottle.IsAllowed(client))
        {
            LogThrottled(logger, operatorId, client);
            return (null, true);
        }

        OperatorCredential? credential;
        await _verify.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            credential = credentials.Current.Verify(operatorId, pin);
        }
        finally
        {
            _verify.Release();
        }

        if (credential is null)
        {
            idThrottle.RecordFailure(operatorId);
            clientThrottle.RecordFailure(client);
            LogSignInFailed(logger, operatorId, client);
            return (null, false);
        }

        idThrottle.Reset(operatorId);
        return (credential, false);
    }

    private async Task<IResult> DecideAsync(HttpContext context, string laneId)
    {
        if (!IsSameOrigin(context))
        {
            return Problem(StatusCodes.Status403Forbidden, "cross-origin request refused");
        }

        var session = SessionOf(context);
        if (session is null)
        {
            return Problem(StatusCodes.Status401Unauthorized, "sign in to decide");
        }

        if (!SessionStore.CsrfMatches(session, context.Request.Headers[CsrfHeader]))
        {
            return Problem(StatusCodes.Status403Forbidden, "missing or wrong CSRF token; reload the page");
        }

        if (!RequestValidation.IsLaneId(laneId) || registry.Find(laneId) is not { } lane)
        {
            return Problem(StatusCodes.Status404NotFound, "no such lane");
        }

        var (request, error) = await ReadJsonAsync<DecisionRequest>(context).ConfigureAwait(false);
        if (request is null)
        {
            return error!;
        }

        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        OperatorCredential? supervisor = null;
        var wantsSupervisor = request.SupervisorId is { Length: > 0 } && request.SupervisorPin is { Length: > 0 };
        if (wantsSupervisor && OperatorCredentials.IsValidOperatorId(request.SupervisorId!.Trim()) && OperatorCredentials.IsValidPin(request.SupervisorPin)
            && request.SupervisorId.Trim() != session.OperatorId)
        {
            // Verified up front (it is slow and async); the rules decide whether it was needed and good enough.
            (supervisor, _) = await VerifyAsync(request.SupervisorId.Trim(), request.SupervisorPin!, client, context.RequestAborted).ConfigureAwait(false);
        }

        var at = time.GetUtcNow();
        var check = DecisionRules.Check(session, views.CurrentOf(laneId), request, (_, _) => supervisor, at);
        if (check.Record is null)
        {
            LogDecisionRefused(logger, session.OperatorId, laneId, check.Message);
            return Problem(
                check.Refusal switch
                {
                    DecisionRefusal.SupervisorRequired => StatusCodes.Status403Forbidden,
                    DecisionRefusal.NotAwaitingDecision => StatusCodes.Status409Conflict,
                    _ => StatusCodes.Status400BadRequest,
                },
                check.Message);
        }

        if (!lane.Post(new OperatorDecided(at, request.TransactionId!, check.Record)))
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "the lane is stopping");
        }

        LogDecided(logger, session.OperatorId, laneId, request.TransactionId!, check.Record.Action, check.Record.IsOverride, check.Record.Supervisor);
        return Results.Json(check.Record, TransactionJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    private async Task<IResult> ImageAsync(HttpContext context, string transactionId, string kind, string? size)
    {
        if (SessionOf(context) is null)
        {
            return Problem(StatusCodes.Status401Unauthorized, "sign in to see images");
        }

        if (!RequestValidation.IsTransactionId(transactionId))
        {
            return Problem(StatusCodes.Status400BadRequest, "transaction id must be a 26-character ULID");
        }

        int maxSide;
        switch (size ?? "preview")
        {
            case "preview":
                maxSide = web.PreviewMaxPixels;
                break;
            case "full":
                maxSide = web.FullMaxPixels;
                break;
            default:
                return Problem(StatusCodes.Status400BadRequest, "size must be 'preview' or 'full'");
        }

        if (kind is not ("radiograph.png" or "overlay.png"))
        {
            return Problem(StatusCodes.Status404NotFound, "image kind must be radiograph.png or overlay.png");
        }

        var transaction = views.FindKnown(transactionId);
        if (transaction is null)
        {
            return Problem(StatusCodes.Status404NotFound, "no such transaction on this gateway (only current and recent vehicles are shown)");
        }

        var path = kind == "overlay.png" ? views.OverlayPath(transaction) : views.RadiographPath(transaction);
        if (path is null)
        {
            return Problem(StatusCodes.Status404NotFound, "image not available");
        }

        try
        {
            var png = await _images.RenderAsync(path, greyscale16: kind == "radiograph.png", maxSide, context.RequestAborted).ConfigureAwait(false);
            context.Response.Headers.CacheControl = "private, no-store";
            return Results.Bytes(png, "image/png");
        }
        catch (Exception ex) when (ex is SixLabors.ImageSharp.ImageFormatException or SixLabors.ImageSharp.UnknownImageFormatException or IOException)
        {
            LogImageFailed(logger, transactionId, ex.Message);
            return Problem(StatusCodes.Status422UnprocessableEntity, "image could not be rendered");
        }
    }

    private async Task EventsAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var cookie = context.Request.Cookies[SessionCookie];
        var listener = broadcaster.Listen();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await SendSnapshotAsync(response, cookie, linked.Token).ConfigureAwait(false);
            while (!linked.Token.IsCancellationRequested)
            {
                using var beat = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
                beat.CancelAfter(Heartbeat);
                bool changed;
                try
                {
                    changed = await listener.Reader.WaitToReadAsync(beat.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!linked.Token.IsCancellationRequested)
                {
                    await response.WriteAsync(": heartbeat\n\n", linked.Token).ConfigureAwait(false);
                    await response.Body.FlushAsync(linked.Token).ConfigureAwait(false);
                    continue;
                }

                if (!changed)
                {
                    break;
                }

                listener.Reader.TryRead(out _);
                await SendSnapshotAsync(response, cookie, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            broadcaster.Stop(listener);
        }
    }

    private async Task SendSnapshotAsync(HttpResponse response, string? cookie, CancellationToken cancellationToken)
    {
        // The stream does not keep a session alive: it peeks, so an unattended booth still times out.
        var snapshot = views.Build(sessions.Peek(cookie));
        var json = JsonSerializer.Serialize(snapshot, TransactionJson.Options);
        await response.WriteAsync("event: snapshot\ndata: " + json + "\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed record SessionView(string? OperatorId, OperatorRole? Role, string? CsrfToken, int SessionTimeoutSeconds);

    private sealed record ErrorView(string Error);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "Operator {Operator} ({Role}) signed in from {Client}")]
    private static partial void LogSignedIn(ILogger logger, string @operator, OperatorRole role, string client);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Sign-in failed for operator id {Operator} from {Client}")]
    private static partial void LogSignInFailed(ILogger logger, string @operator, string client);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "Sign-in refused (rate limit) for operator id {Operator} from {Client}")]
    private static partial void LogThrottled(ILogger logger, string @operator, string client);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Information, Message = "Operator {Operator} decided {Action} for {Transaction} on {Lane} (override {Override}, supervisor {Supervisor})")]
    private static partial void LogDecided(ILogger logger, string @operator, string lane, string transaction, DecisionAction action, bool @override, string? supervisor);

    [LoggerMessage(EventId = 8006, Level = LogLevel.Warning, Message = "Decision by {Operator} on {Lane} refused: {Reason}")]
    private static partial void LogDecisionRefused(ILogger logger, string @operator, string lane, string reason);

    [LoggerMessage(EventId = 8007, Level = LogLevel.Warning, Message = "Could not render an image of {Transaction}: {Reason}")]
    private static partial void LogImageFailed(ILogger logger, string transaction, string reason);
}
