using Xunit.Abstractions;

namespace Tally.Deploy.Tests;

/// <summary>
/// Each step of scripts/check-deploy.sh as a test, so `make test` covers the deployment artefacts. The steps need
/// node + npm and promtool; helm and kubectl come from scripts/get-helm.sh (cached in .cache/tools).
/// </summary>
public sealed class OfflineCheckTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("chart")]       // chart copies identical to deploy/, helm lint --strict, README documents every value
    [InlineData("render")]      // helm template variants: Kubernetes schemas + unknown fields, production shape, yamllint
    [InlineData("bad-input")]   // schema rejects wrong types and unknown keys; missing Secret references fail rendering
    [InlineData("kustomize")]   // k8s/ generated parts current; base and overlays render, validate, have the right shape
    [InlineData("prometheus")]  // promtool check rules + promtool test rules
    [InlineData("dashboards")]  // datasource variable, unique uids, every expression parsed by promtool
    [InlineData("docker")]      // Dockerfile targets, non-root user, volumes, ports, entry points
    public async Task CheckDeployStep_Passes(string step)
    {
        var result = await Repo.RunAsync("bash", [Repo.PathOf("scripts/check-deploy.sh"), step], TimeSpan.FromMinutes(5));
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"scripts/check-deploy.sh {step} failed (exit {result.ExitCode}):\n{result.Tail()}");
        Assert.Contains($"check-deploy: passed ({step})", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckDeploy_UnknownStep_IsRejectedWithTheList()
    {
        var result = await Repo.RunAsync("bash", [Repo.PathOf("scripts/check-deploy.sh"), "helm-lint"], TimeSpan.FromMinutes(1));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown step 'helm-lint'", result.Output, StringComparison.Ordinal);
    }
}
