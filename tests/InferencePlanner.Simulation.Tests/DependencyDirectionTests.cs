using System.Reflection;

namespace InferencePlanner.Simulation.Tests;

public sealed class DependencyDirectionTests
{
    [Theory]
    [InlineData("InferencePlanner.Core")]
    [InlineData("InferencePlanner.Simulation")]
    public void Assembly_CoreAndSimulation_ReferenceNoUiWebNativeOrDatabase(string assemblyName)
    {
        var references = DependencyRules.ReferencedAssemblies(Assembly.Load(assemblyName));

        Assert.Empty(DependencyRules.Violations(references, DependencyRules.UiWebNativeAndDatabase));
    }

    [Theory]
    [InlineData("InferencePlanner.Core")]
    [InlineData("InferencePlanner.Simulation")]
    public void ProjectFile_CoreAndSimulation_DeclareNoUiWebNativeOrDatabase(string projectName)
    {
        var declared = DependencyRules.DeclaredReferences(projectName);

        Assert.Empty(DependencyRules.Violations(declared, DependencyRules.UiWebNativeAndDatabase));
        Assert.Empty(DependencyRules.Violations(declared,
            ["InferencePlanner.Calibration", "InferencePlanner.Planning", "InferencePlanner.Web", "InferencePlanner.Cli"]));
    }

    [Fact]
    public void ProjectFile_Simulation_DependsOnCore()
    {
        Assert.Contains("InferencePlanner.Core", DependencyRules.DeclaredReferences("InferencePlanner.Simulation"));
    }

    [Fact]
    public void Violations_ForbiddenName_IsFound()
    {
        // The rule itself must be able to fail: a web reference is caught.
        Assert.Equal(["MudBlazor"], DependencyRules.Violations(["System.Runtime", "MudBlazor"], DependencyRules.UiWebNativeAndDatabase));
        Assert.Contains("Microsoft.AspNetCore.App", DependencyRules.DeclaredReferences("InferencePlanner.Web"));
    }
}
