using System.Text.Json.Nodes;

namespace InferencePlanner.Tests.Shared;

/// <summary>
/// Every kind of bad scenario document, each made from the M/M/4 demo with one fault, and the JSON path the
/// answer must name. The command line, the HTTP API and the dashboard are each tested against all of them.
/// </summary>
internal static class BadScenarios
{
    public static readonly string Mm4 = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "mm4-erlang-c.json"));

    public static string Edit(Action<JsonNode> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var node = JsonNode.Parse(Mm4)!;
        change(node);
        return node.ToJsonString();
    }

    /// <summary>The same, as xunit theory data.</summary>
    public static TheoryData<string, string, string> Theory()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (what, document, field) in All())
        {
            data.Add(what, document, field);
        }

        return data;
    }

    /// <summary>What is wrong, the document, the field its answer must name.</summary>
    public static IEnumerable<(string What, string Document, string Field)> All()
    {
        yield return ("malformed", "{ \"name\": \"x\", ", "$");
        yield return ("truncated", Mm4[..(Mm4.Length / 2)], "$");
        yield return ("not JSON at all", "hello", "$");
        yield return ("wrong type", Edit(n => n["workload"]!["arrivals"]!["ratePerSecond"] = "fast"), "$.workload.arrivals.ratePerSecond");
        yield return ("NaN", Edit(n => n["workload"]!["arrivals"]!["ratePerSecond"] = "NaN"), "$.workload.arrivals.ratePerSecond");
        yield return ("infinite", Mm4.Replace("\"ratePerSecond\": 3.2", "\"ratePerSecond\": 1e999", StringComparison.Ordinal), "$.workload.arrivals.ratePerSecond");
        yield return ("negative", Edit(n => n["workload"]!["arrivals"]!["ratePerSecond"] = -1.0), "$.workload.arrivals.ratePerSecond");
        yield return ("zero", Edit(n => n["pools"]![0]!["count"] = 0), "$.pools[0].count");
        yield return ("huge", Edit(n => n["pools"]![0]!["service"]!["meanMs"] = 1e300), "$.pools[0].service.meanMs");
        yield return ("unknown device", Edit(n => n["pools"]![0]!["device"] = "nvidia-h1000"), "$.pools[0].device");
        yield return ("unknown region", Edit(n => { n["pools"]![0]!["device"] = "nvidia-l4"; n["pools"]![0]!["region"] = "aws-mars-1"; }), "$.pools[0].region");
        yield return ("empty fleet", Edit(n => n["pools"] = new JsonArray()), "$.pools");
        yield return ("absurd horizon", Edit(n => n["horizon"]!["queries"] = 1e15), "$.horizon.queries");
        yield return ("duplicate names", Edit(n => n["pools"]!.AsArray().Add(n["pools"]![0]!.DeepClone())), "$.pools[1].name");
        yield return ("unknown field", Edit(n => n["pools"]![0]!["servce"] = new JsonObject()), "$.pools[0].servce");
        yield return ("a file that is no trace", Edit(n => n["workload"]!["arrivals"] = new JsonObject { ["kind"] = "trace", ["path"] = "/etc/passwd" }), "$.workload.arrivals.path");
    }
}
