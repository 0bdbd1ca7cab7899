using System.Text.Json.Nodes;
using InferencePlanner.Core.Scenarios;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Editors;

/// <summary>
/// A part of the plan page's form: it shows one side of the draft scenario and hands every change back as a whole
/// new draft (the page then validates it, rewrites the document and re-runs the what-if).
/// </summary>
/// <remarks>
/// A handler is built with the draft of the render that drew it. When two edits come quickly, the browser may send the
/// second through a handler of the older render (the newer one has not reached it yet), and a whole draft built from
/// that render would undo the first edit. So an edit names the draft it was built from: only what it changed is applied
/// to the draft as it is now (<see cref="Merge"/>).
/// </remarks>
public abstract class DraftEditor : ComponentBase
{
    [Parameter]
    [EditorRequired]
    public Scenario? Draft { get; set; }

    [Parameter]
    public EventCallback<Scenario> OnEdit { get; set; }

    /// <summary>An edit built from the draft as it is now (read when the event arrives).</summary>
    protected Task Edit(Scenario draft) => OnEdit.InvokeAsync(draft);

    /// <summary>An edit built from <paramref name="rendered"/>: its changes applied to the current draft.</summary>
    protected Task Edit(Scenario rendered, Scenario edited) => OnEdit.InvokeAsync(Merge(rendered, edited, Draft));

    /// <summary>
    /// <paramref name="current"/> with what <paramref name="edited"/> changed from <paramref name="rendered"/>, field by
    /// field (objects by property, lists of the same length item by item; a list that grew or shrank is taken whole).
    /// When the edit was built from the current draft itself, it is the edit unchanged.
    /// </summary>
    public static Scenario Merge(Scenario rendered, Scenario edited, Scenario? current)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        ArgumentNullException.ThrowIfNull(edited);
        if (current is null || ReferenceEquals(rendered, current))
        {
            return edited;
        }

        var merged = Patch(JsonNode.Parse(ScenarioJson.Write(rendered)), JsonNode.Parse(ScenarioJson.Write(edited)), JsonNode.Parse(ScenarioJson.Write(current)));
        return ScenarioJson.Parse(merged?.ToJsonString() ?? "{}");
    }

    private static JsonNode? Patch(JsonNode? before, JsonNode? after, JsonNode? now)
    {
        if (JsonNode.DeepEquals(before, after))
        {
            return now?.DeepClone();
        }

        if (before is JsonObject b && after is JsonObject a && now is JsonObject n)
        {
            var result = (JsonObject)n.DeepClone();
            foreach (var key in b.Select(p => p.Key).Union(a.Select(p => p.Key)).ToList())
            {
                var (was, becomes) = (b[key], a[key]);
                if (JsonNode.DeepEquals(was, becomes))
                {
                    continue;
                }

                if (!a.ContainsKey(key))
                {
                    result.Remove(key);
                    continue;
                }

                result[key] = Patch(was, becomes, n[key]);
            }

            return result;
        }

        if (before is JsonArray bl && after is JsonArray al && now is JsonArray nl && bl.Count == al.Count)
        {
            // The edit changed items, not the list: each changed item patched where the list is now, the rest kept as
            // they are now (an item added since the render stays).
            return new JsonArray([.. Enumerable.Range(0, nl.Count).Select(i => i < bl.Count ? Patch(bl[i], al[i], nl[i]) : nl[i]?.DeepClone())]);
        }

        return after?.DeepClone();
    }
}
