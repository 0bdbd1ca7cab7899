using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Core.Tests.Scenarios;

public sealed class ScenarioValidationTests
{
    private const string Valid = """
        {
          "name": "ok", "seed": 1,
          "horizon": { "queries": 1000, "warmupQueries": 10 },
          "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 10 } },
          "pools": [ { "name": "p", "device": "nvidia-h100-sxm", "region": "aws-us-east-1", "count": 2,
                       "service": { "distribution": "exponential", "meanMs": 40 }, "batching": { "maxBatch": 4, "maxWaitMs": 2 } } ],
          "slo": { "latencyMs": 300, "percentile": 99 }
        }
        """;

    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    [Fact]
    public void Validate_TheReferenceScenario_HasNoProblem()
    {
        Assert.Empty(ScenarioValidator.Validate(ScenarioJson.Parse(Valid), Catalog.Value));
    }

    public static TheoryData<string, string, string> Mutations => new()
    {
        // replace this, with that → the field that must be named
        { "\"ratePerSecond\": 10", "\"ratePerSecond\": -10", "$.workload.arrivals.ratePerSecond" },
        { "\"ratePerSecond\": 10", "\"ratePerSecond\": 1e12", "$.workload.arrivals.ratePerSecond" },
        { "\"kind\": \"poisson\"", "\"kind\": \"gaussian\"", "$.workload.arrivals.kind" },
        { "\"kind\": \"poisson\", \"ratePerSecond\": 10", "\"kind\": \"poisson\", \"ratePerSecond\": 10, \"path\": \"x.csv\"", "$.workload.arrivals.path" },
        { "\"queries\": 1000, \"warmupQueries\": 10", "\"queries\": 1000, \"seconds\": 10", "$.horizon" },
        { "\"queries\": 1000, \"warmupQueries\": 10", "\"queries\": 100000000000000", "$.horizon.queries" },
        { "\"queries\": 1000, \"warmupQueries\": 10", "\"seconds\": 1e12", "$.horizon.seconds" },
        { "\"count\": 2", "\"count\": 0", "$.pools[0].count" },
        { "\"count\": 2", "\"count\": -3", "$.pools[0].count" },
        { "\"nvidia-h100-sxm\"", "\"nvidia-h100\"", "$.pools[0].device" },
        { "\"aws-us-east-1\"", "\"aws-mars-1\"", "$.pools[0].region" },
        { "\"distribution\": \"exponential\"", "\"distribution\": \"weibull\"", "$.pools[0].service.distribution" },
        { "\"meanMs\": 40", "\"meanMs\": 0", "$.pools[0].service.meanMs" },
        { "\"distribution\": \"exponential\", \"meanMs\": 40", "\"distribution\": \"erlang\", \"meanMs\": 40", "$.pools[0].service.shape" },
        { "\"distribution\": \"exponential\", \"meanMs\": 40", "\"distribution\": \"hyperexponential\", \"meanMs\": 40, \"scv\": 0.5", "$.pools[0].service.scv" },
        { "\"distribution\": \"exponential\", \"meanMs\": 40", "\"profile\": { \"points\": [ { \"batch\": 4, \"latencyMs\": 10 }, { \"batch\": 2, \"latencyMs\": 8 } ] }", "$.pools[0].service.profile.points[1].batch" },
        { "\"distribution\": \"exponential\", \"meanMs\": 40", "\"profile\": \"bert-base-on-l4\"", "$.pools[0].service.profile" },
        { "\"maxBatch\": 4", "\"maxBatch\": 0", "$.pools[0].batching.maxBatch" },
        { "\"maxWaitMs\": 2", "\"maxWaitMs\": -2", "$.pools[0].batching.maxWaitMs" },
        { "\"percentile\": 99", "\"percentile\": 100", "$.slo.percentile" },
        { "\"latencyMs\": 300", "\"latencyMs\": 0", "$.slo.latencyMs" },
        { "\"name\": \"p\"", "\"nmae\": \"p\"", "$.pools[0].nmae" },
        { "\"count\": 2", "\"count\": 2.5", "$.pools[0].count" },
        { "\"count\": 2", "\"count\": \"2\"", "$.pools[0].count" },
        { "\"seed\": 1", "\"seed\": -1", "$.seed" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Validate_BadValue_NamesTheFieldAndAReason(string from, string to, string path)
    {
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        var json = Valid.Replace(from, to, StringComparison.Ordinal);

        IReadOnlyList<ScenarioError> errors;
        try
        {
            errors = ScenarioValidator.Validate(ScenarioJson.Parse(json), Catalog.Value);
        }
        catch (ScenarioException ex)
        {
            errors = ex.Errors;
        }

        var error = Assert.Single(errors, e => e.Path == path);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
    }

    [Theory]
    [InlineData("\"growth\": { \"months\": 12, \"monthlyGrowthPercent\": 5, \"curve\": \"exponential\" }", "$.growth.curve")]
    [InlineData("\"growth\": { \"months\": 12, \"curve\": \"logistic\", \"midpointMonth\": 6 }", "$.growth.saturationMultiplier")]
    [InlineData("\"growth\": { \"months\": 0, \"monthlyGrowthPercent\": 5 }", "$.growth.months")]
    [InlineData("\"growth\": { \"months\": 12, \"monthlyGrowthPercent\": 5, \"launches\": [ { \"month\": -1, \"multiplier\": 2 } ] }", "$.growth.launches[0].month")]
    [InlineData("\"growth\": { \"months\": 12, \"monthlyGrowthPercent\": 5, \"serviceSwitches\": [ { \"month\": 3, \"pool\": \"nope\", \"service\": { \"distribution\": \"deterministic\", \"meanMs\": 5 } } ] }", "$.growth.serviceSwitches[0].pool")]
    [InlineData("\"economics\": { \"pricing\": \"free\" }", "$.economics.pricing")]
    [InlineData("\"economics\": { \"mix\": { \"objective\": \"blend\" } }", "$.economics.mix.carbonPriceUsdPerTonne")]
    [InlineData("\"economics\": { \"hourlyGridGramsCo2PerKwh\": { \"aws-us-east-1\": [1, 2] } }", "$.economics.hourlyGridGramsCo2PerKwh.aws-us-east-1")]
    public void Validate_BadForecastField_IsNamed(string fragment, string path)
    {
        var json = Valid.TrimEnd().TrimEnd('}') + ", " + fragment + " }";

        var errors = ScenarioValidator.Validate(ScenarioJson.Parse(json), Catalog.Value);

        Assert.Contains(errors, e => e.Path == path);
    }

    [Fact]
    public void Validate_ManyProblems_AreAllReported()
    {
        var scenario = new Scenario { Pools = [new PoolSpec { Name = "a" }, new PoolSpec { Name = "a", Count = 1 }] };

        var paths = ScenarioValidator.Validate(scenario).Select(e => e.Path).ToList();

        Assert.Contains("$.horizon", paths);
        Assert.Contains("$.workload.arrivals", paths);
        Assert.Contains("$.pools[0].count", paths);
        Assert.Contains("$.pools[0].service", paths);
        Assert.Contains("$.pools[1].name", paths);
    }

    [Fact]
    public void Validate_EdgePoolWithoutOffload_IsAProblem()
    {
        var scenario = ScenarioJson.Parse(Valid) with
        {
            Pools = [.. ScenarioJson.Parse(Valid).Pools!, new PoolSpec { Name = "phones", Count = 10, Edge = true, Service = new ServiceSpec { Distribution = "deterministic", MeanMs = 100 } }],
        };

        Assert.Contains(ScenarioValidator.Validate(scenario), e => e.Path == "$.routing.offload");
    }

    private const string Generative = """
        { "name": "gen", "horizon": { "queries": 100 },
          "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 1 },
                        "tokens": { "input": { "distribution": "deterministic", "mean": 100 }, "output": { "distribution": "deterministic", "mean": 10 } } },
          "pools": [ { "name": "llm", "device": "nvidia-h100-sxm", "count": 1, "llm": { "model": "llama-3-8b" } } ] }
        """;

    [Fact]
    public void Validate_TimeoutOnAGenerativePool_IsNamed()
    {
        var scenario = ScenarioJson.Parse(Generative);
        scenario = scenario with { Pools = [scenario.Pools![0] with { TimeoutMs = 500 }] };

        var error = Assert.Single(ScenarioValidator.Validate(scenario, Catalog.Value));

        Assert.Equal("$.pools[0].timeoutMs", error.Path);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("weighted", true)]
    [InlineData("power-of-two", true)]
    [InlineData("join-shortest-queue", false)]
    public void Validate_GenerativePoolWithoutAWeight_UnderWeightedSplits_IsNamed(string? policy, bool named)
    {
        var scenario = ScenarioJson.Parse(Generative);
        var batch = new PoolSpec { Name = "api", Count = 2, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 40 } };
        scenario = scenario with { Pools = [scenario.Pools![0], batch], Routing = policy is null ? null : new RoutingSpec { Policy = policy } };

        var errors = ScenarioValidator.Validate(scenario, Catalog.Value);

        // Weights are then shares relative to each other: every pool needs one, never a capacity beside a weight.
        Assert.Equal(named, errors.Any(e => e.Path == "$.pools[0].weight"));
        Assert.Equal(named, errors.Any(e => e.Path == "$.pools[1].weight"));
        Assert.Empty(ScenarioValidator.Validate(scenario with { Pools = [scenario.Pools[0] with { Weight = 1 }, batch with { Weight = 3 }] }, Catalog.Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("{ \"horizon\": ")]
    [InlineData("null")]
    public void Parse_NotAScenario_IsAScenarioException(string json)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioJson.Parse(json));

        Assert.NotEmpty(ex.Errors);
        Assert.StartsWith("$", ex.Errors[0].Path, StringComparison.Ordinal);
    }

    // Found by ScenarioFuzzTests: a list item given as null reached the checks as a null reference.
    [Theory]
    [InlineData("\"pools\": [", "\"pools\": [ null, ", "$.pools[0]")]
    [InlineData("\"workload\": {", "\"workload\": { \"classes\": [ null ], ", "$.workload.classes[0]")]
    [InlineData("\"slo\": {", "\"growth\": { \"months\": 12, \"monthlyGrowthPercent\": 5, \"launches\": [ null ], \"serviceSwitches\": [ null ] }, \"slo\": {", "$.growth.serviceSwitches[0]")]
    [InlineData("\"distribution\": \"exponential\", \"meanMs\": 40", "\"profile\": { \"points\": [ null, { \"batch\": 1, \"latencyMs\": 8 } ] }", "$.pools[0].service.profile.points[0]")]
    public void Validate_NullListItem_IsNamed(string from, string to, string path)
    {
        var json = Valid.Replace(from, to, StringComparison.Ordinal);
        var withOffload = json.TrimEnd().TrimEnd('}') + ", \"routing\": { \"offload\": { \"pool\": \"p\", \"share\": 0.5 } } }";

        foreach (var document in new[] { json, withOffload })
        {
            var error = Assert.Single(ScenarioValidator.Validate(ScenarioJson.Parse(document), Catalog.Value), e => e.Path == path);
            Assert.Equal("must be an object, not null", error.Reason);
        }
    }

    // Found by ScenarioFuzzTests: the reader threw an ArgumentException on a lone UTF-16 surrogate.
    [Theory]
    [InlineData(0xD800)]
    [InlineData(0xDFFF)]
    public void Parse_LoneSurrogate_IsAScenarioException(int surrogate)
    {
        var json = Valid.Replace("\"ok\"", $"\"o{(char)surrogate}k\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ScenarioException>(() => ScenarioJson.Parse(json));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("$", error.Path);
        Assert.Contains("lone surrogate", error.Reason, StringComparison.Ordinal);
        Assert.Contains("(line 2)", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PairedSurrogates_AreText()
    {
        Assert.Equal("o\U0001F600k", ScenarioJson.Parse(Valid.Replace("\"ok\"", "\"o\U0001F600k\"", StringComparison.Ordinal)).Name);
    }

    // Found by ScenarioFuzzTests: an empty field name fell through to the serializer's message (naming .NET types).
    [Fact]
    public void Parse_EmptyFieldName_IsNotAField()
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioJson.Parse("{ \"\": 1 }"));

        Assert.Equal("is not a field of the scenario format", Assert.Single(ex.Errors).Reason);
    }

    [Fact]
    public void Parse_EveryMistypedField_IsNamed_WithTheFieldItMayHaveMeant()
    {
        // Only the first of two typos used to be reported.
        var document = System.Text.Json.Nodes.JsonNode.Parse(Valid)!;
        document["workload"]!["arrivals"]!["ratePerSecnd"] = 3;
        document["pools"]![0]!["servce"] = document["pools"]![0]!["service"]!.DeepClone();
        document["seeed"] = 4;

        var ex = Assert.Throws<ScenarioException>(() => ScenarioJson.Parse(document.ToJsonString()));

        Assert.Equal(
            [
                ("$.workload.arrivals.ratePerSecnd", "is not a field of the scenario format (did you mean ratePerSecond?)"),
                ("$.pools[0].servce", "is not a field of the scenario format (did you mean service?)"),
                ("$.seeed", "is not a field of the scenario format (did you mean seed?)"),
            ],
            ex.Errors.Select(e => (e.Path, e.Reason)).ToList());
    }

    [Fact]
    public void MistypedRegion_IsNamed_WithTheRegionsItMayHaveMeant()
    {
        var scenario = ScenarioJson.Parse(Valid);
        var typo = scenario with { Pools = [scenario.Pools![0] with { Device = "nvidia-h100-sxm", Region = "aws-us-est-1" }] };

        var error = Assert.Single(ScenarioValidator.Validate(typo, Catalog.Value));

        Assert.Equal("$.pools[0].region", error.Path);
        Assert.StartsWith("'aws-us-est-1' is not a catalog region (did you mean aws-us-east-1", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("servce", "service", 1)]
    [InlineData("ratePerSecnod", "ratePerSecond", 1)] // a transposition is one edit
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    public void EditDistance_IsTheLevenshteinDistanceWithTranspositions(string a, string b, int distance)
    {
        Assert.Equal(distance, Suggestions.Distance(a, b));
        Assert.Equal(distance, Suggestions.Distance(b, a));
    }

    [Fact]
    public void Parse_HugeDocument_IsRefusedBeforeParsing()
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioJson.Parse(new string(' ', ScenarioJson.MaxLength + 1)));

        Assert.Contains("limit", ex.Errors[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteThenParse_RoundTrips()
    {
        var scenario = ScenarioJson.Parse(Valid) with
        {
            Pools = [new PoolSpec { Name = "p", Count = 1, Service = new ServiceSpec { Profile = new ProfileSpec { Id = "stored" } } }],
        };

        var again = ScenarioJson.Parse(ScenarioJson.Write(scenario));

        Assert.Equal(ScenarioJson.Write(scenario), ScenarioJson.Write(again));
        Assert.Equal("stored", again.Pools![0].Service!.Profile!.Id);
    }
}
