using System.Reflection;

namespace InferencePlanner.Planning.Tests;

public sealed class DependencyDirectionTests
{
    [Fact]
    public void Planning_StandsOnSimulationAndCore_AndKnowsNoUiOrDatabase()
    {
        var declared = DependencyRules.DeclaredReferences("InferencePlanner.Planning");

        Assert.Contains("InferencePlanner.Simulation", declared);
        Assert.Contains("InferencePlanner.Core", declared);
        Assert.Empty(DependencyRules.Violations(declared, DependencyRules.UiWebNativeAndDatabase));
        Assert.Empty(DependencyRules.Violations(
            DependencyRules.ReferencedAssemblies(Assembly.Load("InferencePlanner.Planning")), DependencyRules.UiWebNativeAndDatabase));
    }
}
