using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Simulation.Tests.Engine;

public sealed class AllocationTests
{
    [Theory]
    [InlineData("M/M/4")]
    [InlineData("diurnal three pools")]
    [InlineData("timeouts")]
    [InlineData("classes")]
    public void HotPath_AllocatesNothingPerEvent(string fleet)
    {
        var scenario = InvariantTests.Fleet(fleet);

        // Twenty times the events; what grows is at most the waiting-queue ring (a few doublings).
        AssertNoAllocationPerEvent(
            SimulationModel.Compile(scenario with { Horizon = new Horizon { Queries = 20_000, WarmupQueries = 1_000 } }),
            SimulationModel.Compile(scenario with { Horizon = new Horizon { Queries = 400_000, WarmupQueries = 1_000 } }));
    }

    [Fact]
    public void HotPath_OfAGenerativeFleet_AllocatesNothingPerEvent()
    {
        // The chatbot demo: requests arrive, wait, run iteration by iteration and leave; their objects are reused.
        // Twenty times the requests; what grows is at most the reused requests and the lines, to the busiest moment.
        var catalog = Core.Catalog.CatalogLoader.Load(RepositoryPaths.Catalog);
        var chatbot = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "llm-chatbot-h100.json"));
        AssertNoAllocationPerEvent(
            SimulationModel.Compile(chatbot with { Horizon = new Horizon { Queries = 5_000, WarmupQueries = 500 } }, catalog),
            SimulationModel.Compile(chatbot with { Horizon = new Horizon { Queries = 100_000, WarmupQueries = 500 } }, catalog));
    }

    /// <summary>The bytes a run allocates beyond a shorter one's, per extra event: the fixed cost of a run cancels out.</summary>
    private static void AssertNoAllocationPerEvent(SimulationModel small, SimulationModel large)
    {
        // Warm the JIT and each model's one-off caches (a generative step model's times by batch size).
        SimulationRunner.RunReplication(small, 0);
        SimulationRunner.RunReplication(large, 0);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var a = SimulationRunner.RunReplication(small, 0);
        var smallBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        var b = SimulationRunner.RunReplication(large, 0);
        var largeBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        var perExtraEvent = (double)(largeBytes - smallBytes) / (b.Events - a.Events);
        Assert.True(perExtraEvent < 0.05, $"{largeBytes - smallBytes:N0} more bytes for {b.Events - a.Events:N0} more events");
    }
}
