using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Tests.Engine;

public sealed class StoredProfileTests
{
    [Fact]
    public void ProfileId_InAScenario_UsesTheStoredPointsAndJitter()
    {
        var dir = Directory.CreateTempSubdirectory("ip-profiles-").FullName;
        try
        {
            var profile = new ThroughputProfile
            {
                Id = "toy-local-cpu-fp32",
                Model = "toy",
                Kind = ThroughputProfile.Measured,
                Device = "local-cpu",
                Precision = "fp32",
                Provenance = new ProfileProvenance { Date = "2026-11-26" },
                Points = [new ProfileMeasurement { Batch = 1, MedianMs = 20 }, new ProfileMeasurement { Batch = 4, MedianMs = 32 }],
                JitterScv = 0,
            };
            File.WriteAllText(Path.Combine(dir, "toy.json"), ProfileStore.Write(profile));
            var store = ProfileStore.Load(dir);
            using var trace = TraceFile.Write([0, 1, 1, 1, 1]);
            var scenario = new Scenario
            {
                Horizon = new Horizon { Queries = 5 },
                Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "trace", Path = trace.Path } },
                Pools = [new PoolSpec { Name = "p", Count = 1, Service = new ServiceSpec { Profile = new ProfileSpec { Id = "toy-local-cpu-fp32" } }, Batching = new BatchingSpec { MaxBatch = 4, MaxWaitMs = 1 } }],
            };

            var records = new List<QueryRecord>();
            SimulationRunner.RunReplication(SimulationModel.Compile(scenario, profiles: store), 0, records.Add);

            // The first waits its 1 ms for company, then runs alone (20 ms); the four at t = 1 s fill a batch at once (32 ms).
            Assert.Equal(0.021, records.Single(r => r.Index == 0).LatencySeconds, 12);
            Assert.All(records.Where(r => r.Index > 0), r => Assert.Equal(0.032, r.LatencySeconds, 12));
            var ex = Assert.Throws<ScenarioException>(() => SimulationModel.Compile(scenario, profiles: ProfileStore.Empty));
            Assert.Contains(ex.Errors, e => e.Path == "$.pools[0].service.profile");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ShippedProfiles_LoadAndCarryTheirProvenance()
    {
        var store = ProfileStore.Load(Path.Combine(RepositoryPaths.Root, "data", "profiles"));

        Assert.NotEmpty(store.All);
        Assert.All(store.All, p =>
        {
            Assert.Equal(ThroughputProfile.Measured, p.Kind);
            Assert.False(string.IsNullOrWhiteSpace(p.Provenance.CpuModel));
            Assert.False(string.IsNullOrWhiteSpace(p.Provenance.OnnxRuntimeVersion));
            Assert.NotNull(p.Provenance.Threads);
            Assert.True(p.Points.Count >= 2);
        });
    }
}
