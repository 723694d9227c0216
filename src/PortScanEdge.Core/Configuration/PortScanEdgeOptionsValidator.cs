using Microsoft.Extensions.Options;

namespace PortScanEdge.Core.Configuration;

/// <summary>
/// Re-runs the cross-field rules when the host resolves the options (<c>ValidateOnStart</c>), so a host built
/// by any path — not only through <see cref="ConfigLoader"/> — never starts half-configured.
/// </summary>
public sealed class PortScanEdgeOptionsValidator : IValidateOptions<PortScanEdgeOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PortScanEdgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (problems, _) = ConfigValidator.Validate("config", options, new Dictionary<string, (int, int)>(), secretsMustResolve: true);
        if (options.Lanes.Count == 0)
        {
            problems.Add(new ConfigProblem("config", 0, 0, "lanes", "needs at least 1 entry"));
        }

        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => $"{p.Path}: {p.Message}"));
    }
}
