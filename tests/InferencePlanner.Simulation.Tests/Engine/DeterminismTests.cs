using System.Text.Json;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Simulation.Tests.Engine;

public sealed class DeterminismTests
{
    private static string Json(object value) => JsonSerializer.Serialize(value);

    [Theory]
    [InlineData("diurnal three pools")]
    [InlineData("timeouts")]
    [InlineData("power-of-two")]
    public void Simulate_SameSeed_IsBitIdenticalWhateverTheThreadCount(string fleet)
    {
        var model = SimulationModel.Compile(InvariantTests.Fleet(fleet));

        var serial = SimulationRunner.Run(model, new SimulationOptions { Replications = 6, MaxDegreeOfParallelism = 1 });
        var parallel = SimulationRunner.Run(model, new SimulationOptions { Replications = 6, MaxDegreeOfParallelism = 3 });
        var again = SimulationRunner.Run(model, new SimulationOptions { Replications = 6, MaxDegreeOfParallelism = 6 });

        Assert.Equal(Json(serial), Json(parallel));
        Assert.Equal(Json(serial), Json(again));
    }

    [Fact]
    public void Simulate_AnotherSeed_GivesAnotherSamplePath()
    {
        var model = SimulationModel.Compile(InvariantTests.Fleet("M/M/4"));

        var a = SimulationRunner.Run(model);
        var b = SimulationRunner.Run(model.With(seed: 8));

        Assert.NotEqual(a.WaitMs.Mean, b.WaitMs.Mean);
        Assert.Equal(8, b.Seed);
    }

    [Fact]
    public void Replications_AreIndependentSamplePaths_AndGiveAConfidenceInterval()
    {
        var model = SimulationModel.Compile(InvariantTests.Fleet("M/M/4"));

        var result = SimulationRunner.Run(model, new SimulationOptions { Replications = 5 });

        Assert.Equal(5, result.Replications);
        Assert.NotNull(result.Ci95);
        Assert.True(result.Ci95.MeanWaitMs > 0);
        var runs = Enumerable.Range(0, 5).Select(r => SimulationRunner.RunReplication(model, r)).ToList();
        Assert.Equal(5, runs.Select(r => r.WaitMs.Mean).Distinct().Count());
        Assert.Equal(runs.Average(r => r.WaitMs.Mean), result.WaitMs.Mean, 9);
        Assert.Equal(runs.Sum(r => r.Completed), result.Completed);
        Assert.Equal(Ci95.HalfWidth(runs, r => r.WaitMs.Mean), result.Ci95.MeanWaitMs, 12);
    }
}
