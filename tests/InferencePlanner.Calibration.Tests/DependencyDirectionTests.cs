namespace InferencePlanner.Calibration.Tests;

public sealed class DependencyDirectionTests
{
    [Fact]
    public void Calibration_StandsOnCoreOnly_AndKnowsNoUiOrDatabase()
    {
        var declared = DependencyRules.DeclaredReferences("InferencePlanner.Calibration");

        Assert.Contains("InferencePlanner.Core", declared);
        Assert.Contains("Microsoft.ML.OnnxRuntime", declared);
        Assert.Empty(DependencyRules.Violations(declared,
            ["Microsoft.AspNetCore", "MudBlazor", "Plotly", "Microsoft.EntityFrameworkCore", "InferencePlanner.Simulation", "InferencePlanner.Planning", "InferencePlanner.Web"]));
    }
}
