using System.Globalization;
using Microsoft.Playwright;
using PortScanEdge.Core.Transactions;
using static Microsoft.Playwright.Assertions;

namespace PortScanEdge.Console.Tests;

/// <summary>The operator console in real Chromium against the running simulated lane.</summary>
[Collection(ConsoleGatewayGroup.Name)]
public sealed class OperatorConsoleTests(ConsoleGateway gateway)
{
    private static readonly LocatorAssertionsToBeVisibleOptions LaneTimeout = new() { Timeout = 120_000 };

    private static async Task SignInAsync(IPage page, string id, string pin)
    {
        await page.FillAsync("#operator-id", id);
        await page.FillAsync("#pin", pin);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#operator-name")).ToContainTextAsync(id);
    }

    private static Task<byte[]> ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ConsoleGateway.ScreenshotDirectory, name + ".png"), FullPage = true });

    [Fact]
    public async Task AnomalousVehicle_SignedIn_AlertWithHeatMapAndOverlayToggles()
    {
        var vehicle = await gateway.WaitForReferredVehicleAsync();
        var page = await gateway.NewPageAsync();
        await page.GotoAsync("/");
        await SignInAsync(page, ConsoleGateway.OperatorId, ConsoleGateway.OperatorPin);

        var alert = page.Locator("#alert");
        await Expect(alert).ToBeVisibleAsync(LaneTimeout);
        await Expect(alert).ToContainTextAsync("ALERT");
        var image = page.Locator("#radiograph");
        await Expect(image).ToHaveAttributeAsync("data-kind", "overlay");
        var shownId = await page.Locator("#transaction-id").TextContentAsync();
        Assert.Matches("^[0-9A-Z]{26}$", shownId);
        await Expect(image).ToHaveAttributeAsync("src", $"/api/images/{shownId}/overlay.png?size=preview");
        await WaitForImageAsync(page);
        Assert.True(await image.EvaluateAsync<int>("i => i.naturalWidth") > 0, "the heat-map overlay did not load");
        await Expect(page.Locator("#score")).ToContainTextAsync("ALERT");
        // Score and threshold are shown with enough decimals to tell them apart, and in the verdict's order.
        var scoreText = await page.Locator("#score").TextContentAsync() ?? "";
        var shown = System.Text.RegularExpressions.Regex.Match(scoreText, @"^(\d+\.\d{3,9}) / threshold (\d+\.\d{3,9}) — ALERT$");
        Assert.True(shown.Success, "score text: " + scoreText);
        Assert.True(
            double.Parse(shown.Groups[1].Value, CultureInfo.InvariantCulture) > double.Parse(shown.Groups[2].Value, CultureInfo.InvariantCulture),
            "an alert must show a score above its threshold: " + shown.Value);
        await ScreenshotAsync(page, "alert-heatmap");

        // H toggles the overlay off (the plain radiograph) and on again; so does the button.
        await page.Keyboard.PressAsync("h");
        await Expect(image).ToHaveAttributeAsync("data-kind", "radiograph");
        await Expect(image).ToHaveAttributeAsync("src", $"/api/images/{shownId}/radiograph.png?size=preview");
        await WaitForImageAsync(page);
        await Expect(page.Locator("#toggle-overlay")).ToHaveAttributeAsync("aria-pressed", "false");
        await ScreenshotAsync(page, "alert-radiograph");
        await page.ClickAsync("#toggle-overlay");
        await Expect(image).ToHaveAttributeAsync("data-kind", "overlay");
        Assert.Equal(vehicle.LaneId, await page.Locator("#lane-id").TextContentAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Decision_NotSignedIn_RefusedAndNothingChanges()
    {
        var vehicle = await gateway.WaitForReferredVehicleAsync();
        var page = await gateway.NewPageAsync();
        await page.GotoAsync("/");

        // The alert is unmistakable even before anyone signs in, but no details or images are shown.
        await Expect(page.Locator("#alert")).ToBeVisibleAsync(LaneTimeout);
        await Expect(page.Locator("#image-placeholder")).ToContainTextAsync("Sign in");
        await Expect(page.Locator("#plates")).ToContainTextAsync("sign in");

        await page.ClickAsync("#refer");
        await Expect(page.Locator("#message")).ToContainTextAsync("Sign in to decide");
        await page.Keyboard.PressAsync("Escape");
        await ScreenshotAsync(page, "signed-out-alert");

        // Posting straight to the API without a session is refused too.
        var response = await page.APIRequest.PostAsync($"/api/lanes/{ConsoleGateway.LaneId}/decision", new APIRequestContextOptions
        {
            DataObject = new { transaction_id = vehicle.Id, action = "refer" },
        });
        Assert.Equal(401, response.Status);
        var image = await page.APIRequest.GetAsync($"/api/images/{vehicle.Id}/overlay.png");
        Assert.Equal(401, image.Status);

        var current = gateway.Hub.CurrentOf(ConsoleGateway.LaneId);
        Assert.Equal(vehicle.Id, current?.Id);
        Assert.Equal(TransactionStage.AwaitingDecision, current!.Stage);
        Assert.Null(current.Decision);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Override_NeedsSupervisorAndReason_RecordedInTransaction()
    {
        var vehicle = await gateway.WaitForReferredVehicleAsync();
        var page = await gateway.NewPageAsync();
        await page.GotoAsync("/");
        await SignInAsync(page, ConsoleGateway.OperatorId, ConsoleGateway.OperatorPin);
        await Expect(page.Locator("#transaction-id")).ToHaveTextAsync(vehicle.Id, new() { Timeout = 10_000 });

        // R asks for the release; the machine referred the vehicle, so the override form appears instead.
        await page.Keyboard.PressAsync("r");
        var form = page.Locator("#override");
        await Expect(form).ToBeVisibleAsync();
        await Expect(page.Locator("#supervisor-id")).ToBeFocusedAsync();

        // The operator cannot authorise it alone.
        await page.FillAsync("#supervisor-id", ConsoleGateway.OperatorId);
        await page.FillAsync("#supervisor-pin", ConsoleGateway.OperatorPin);
        await page.FillAsync("#override-reason", "manifest and seals checked at the booth");
        await page.ClickAsync("#override-confirm");
        await Expect(page.Locator("#message")).ToContainTextAsync("someone other");

        // A wrong supervisor PIN is refused.
        await page.FillAsync("#supervisor-id", ConsoleGateway.SupervisorId);
        await page.FillAsync("#supervisor-pin", "0000");
        await page.ClickAsync("#override-confirm");
        await Expect(page.Locator("#message")).ToContainTextAsync("not accepted");

        // A reason that says nothing is refused.
        await page.FillAsync("#supervisor-pin", ConsoleGateway.SupervisorPin);
        await page.FillAsync("#override-reason", "ok");
        await page.ClickAsync("#override-confirm");
        await Expect(page.Locator("#message")).ToContainTextAsync("written reason");
        Assert.Null(gateway.Hub.CurrentOf(ConsoleGateway.LaneId)?.Decision);

        var notifications = gateway.Hub.Subscribe();
        await page.FillAsync("#supervisor-pin", ConsoleGateway.SupervisorPin);
        await page.FillAsync("#override-reason", "manifest and seals checked at the booth");
        await ScreenshotAsync(page, "override-form");
        await page.ClickAsync("#override-confirm");
        await Expect(page.Locator("#message")).ToContainTextAsync("override by sam");

        var decided = await ConsoleGateway.WaitForDecisionAsync(vehicle.Id, notifications);
        var decision = decided.Decision!;
        Assert.Equal(DecisionAction.Release, decision.Action);
        Assert.Equal(ConsoleGateway.OperatorId, decision.By);
        Assert.True(decision.IsOverride);
        Assert.Equal(ConsoleGateway.SupervisorId, decision.Supervisor);
        Assert.Equal("manifest and seals checked at the booth", decision.Reason);
        Assert.Contains(ReferralReason.AnomalyAlert, decided.ReferralReasons);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Refer_SignedInOperator_RecordedWithoutSupervisor()
    {
        var vehicle = await gateway.WaitForReferredVehicleAsync();
        var page = await gateway.NewPageAsync();
        await page.GotoAsync("/");
        await SignInAsync(page, ConsoleGateway.OperatorId, ConsoleGateway.OperatorPin);
        await Expect(page.Locator("#transaction-id")).ToHaveTextAsync(vehicle.Id, new() { Timeout = 10_000 });

        var notifications = gateway.Hub.Subscribe();
        await page.Keyboard.PressAsync("s");
        await Expect(page.Locator("#message")).ToContainTextAsync("Referred " + vehicle.Id);
        var decided = await ConsoleGateway.WaitForDecisionAsync(vehicle.Id, notifications);
        Assert.Equal(DecisionAction.Refer, decided.Decision!.Action);
        Assert.Equal(ConsoleGateway.OperatorId, decided.Decision.By);
        Assert.False(decided.Decision.IsOverride);
        Assert.Null(decided.Decision.Supervisor);

        // The referred vehicle appears in the last-vehicles list once it has left the lane.
        await Expect(page.Locator("#recent tbody tr").First).ToContainTextAsync("referred", new() { Timeout = 60_000 });
        await ScreenshotAsync(page, "after-refer");
        await page.Context.CloseAsync();
    }

    private static Task<IJSHandle> WaitForImageAsync(IPage page) =>
        page.WaitForFunctionAsync("() => { const i = document.getElementById('radiograph'); return i.complete && i.naturalWidth > 0; }");
}
