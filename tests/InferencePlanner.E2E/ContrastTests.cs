using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>
/// Text contrast in both themes, measured in Chromium: every visible text element's colour against the background
/// it is painted on (translucent layers composited), by the WCAG 2 formula — at least 4.5:1, or 3:1 for large
/// text (24 px, or 18.66 px bold), with the opacity of the element and its ancestors applied. Disabled controls are exempt, as WCAG exempts inactive components; chart text
/// is SVG and is measured by its fill against the chart's paper.
/// </summary>
public sealed class ContrastTests(AppServer app) : IClassFixture<AppServer>
{
    private const string MeasureScript = """
        () => {
          const parse = c => { const m = c && c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
            const p = m[1].split(/[ ,\/]+/).filter(x => x).map(parseFloat); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
          const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
          const lum = c => 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
          const over = (top, bottom) => ({ r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
          const backdrop = el => {
            const layers = [];
            for (let e = el; e; e = e.parentElement) {
              const c = parse(getComputedStyle(e).backgroundColor);
              if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
            }
            let bg = parse(getComputedStyle(document.documentElement).backgroundColor) || { r: 255, g: 255, b: 255, a: 1 };
            if (bg.a < 1) bg = over(bg, { r: 255, g: 255, b: 255, a: 1 });
            for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
            return bg;
          };
          const ratio = (fg, bg) => { const a = lum(fg), b = lum(bg); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
          const failures = [];
          let measured = 0;
          const seen = new Set();
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const node = walker.currentNode, el = node.parentElement;
            if (!node.textContent.trim() || !el || seen.has(el)) continue;
            seen.add(el);
            const s = getComputedStyle(el), box = el.getBoundingClientRect();
            if (s.visibility === 'hidden' || s.display === 'none' || box.width === 0 || box.height === 0) continue;
            if (el.closest('[disabled], .mud-disabled, [aria-disabled=true], [aria-hidden=true], script, style, noscript')) continue;
            const inSvg = el.closest('svg');
            let bg, fg;
            if (inSvg) {
              bg = backdrop(inSvg.parentElement);
              fg = parse(s.fill);
              if (!fg) continue;
            } else {
              bg = backdrop(el);
              fg = parse(s.color);
            }
            // Translucent elements (opacity on the element or an ancestor) fade their text into the backdrop.
            for (let e = el; e; e = e.parentElement) fg = { ...fg, a: fg.a * parseFloat(getComputedStyle(e).opacity) };
            fg = over(fg, bg);
            const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
            const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
            const r = ratio(fg, bg);
            measured++;
            if (r < need) failures.push(`${r.toFixed(2)}:1 < ${need}:1 "${node.textContent.trim().slice(0, 40)}" ${s.color}${inSvg ? ' fill ' + s.fill : ''} on rgb(${bg.r | 0}, ${bg.g | 0}, ${bg.b | 0})`);
          }
          return { measured, failures };
        }
        """;

    /// <summary>Each page with content on it: a demo opened, and on simulate and forecast, a run finished (charts drawn).</summary>
    public static TheoryData<string, string> Pages => new()
    {
        { "", "light" }, { "", "dark" },
        { "plan", "light" }, { "plan", "dark" },
        { "simulate", "light" }, { "simulate", "dark" },
        { "forecast", "light" }, { "forecast", "dark" },
        { "catalog", "light" }, { "catalog", "dark" },
        { "calibrate", "light" }, { "calibrate", "dark" },
        { "desk", "light" }, { "desk", "dark" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Text_MeetsWcagAaContrast(string route, string theme)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new()
        {
            ViewportSize = new() { Width = 1440, Height = 1000 },
            ColorScheme = theme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
        });
        // The page policy (CSP) must not block anything the page needs: a refusal shows as a console error.
        var refused = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                refused.Add(message.Text);
            }
        };
        await page.GotoAsync(app.BaseAddress.ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        var demo = route is "forecast" or "desk" ? "image classification across three regions" : "M/M/4 at 80 % load";
        var href = await page.Locator("[data-testid=scenario-list] tr", new() { HasText = demo })
            .GetByRole(AriaRole.Link, new() { Name = "Simulate" }).GetAttributeAsync("href");
        var path = route is "plan" or "simulate" or "forecast" or "desk" ? $"{route}?scenario={href!.Split('=')[1]}" : route;
        await page.GotoAsync(new Uri(app.BaseAddress, path).ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        if (route is "simulate" or "forecast" or "desk")
        {
            await page.Locator("[data-testid=run]").ClickAsync();
            await Assertions.Expect(page.Locator(route switch { "simulate" => "[data-testid=percentiles]", "desk" => "[data-testid=summary]", _ => "[data-testid=months]" })).ToBeVisibleAsync(new() { Timeout = 120_000 });
        }

        if (route is "plan" or "simulate" or "forecast")
        {
            await Assertions.Expect(page.Locator(".js-plotly-plot svg.main-svg").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        }

        await page.WaitForTimeoutAsync(500); // the theme and the charts settle after the circuit starts

        var result = await page.EvaluateAsync<Measurement>(MeasureScript);

        Assert.Empty(refused);
        Assert.True(result.Measured > 15, $"only {result.Measured} text elements measured on /{path}");
        Assert.True(result.Failures.Length == 0, $"/{path} ({theme}): {result.Failures.Length} of {result.Measured} text elements below AA contrast:\n{string.Join('\n', result.Failures)}");
    }

    private sealed class Measurement
    {
        public int Measured { get; set; }

        public string[] Failures { get; set; } = [];
    }
}
