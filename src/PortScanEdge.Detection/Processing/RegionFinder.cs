using System.Numerics;

namespace PortScanEdge.Detection.Processing;

/// <summary>A region of interest: a connected group of anomaly-map pixels at or over the pixel threshold.</summary>
/// <param name="X">Left edge in radiograph pixels.</param>
/// <param name="Y">Top edge in radiograph pixels.</param>
/// <param name="Width">Width in radiograph pixels.</param>
/// <param name="Height">Height in radiograph pixels.</param>
/// <param name="PeakX">Column of the region's highest map value, radiograph pixels.</param>
/// <param name="PeakY">Row of the region's highest map value, radiograph pixels.</param>
/// <param name="PeakScore">Highest map value in the region.</param>
/// <param name="Area">Area in radiograph pixels (map pixels × downsample²).</param>
public sealed record RegionOfInterest(int X, int Y, int Width, int Height, int PeakX, int PeakY, float PeakScore, long Area);

/// <summary>
/// Connected components (8-connectivity) over a thresholded map, with an explicit stack in a grow-only buffer
/// (no recursion, so a map-sized region cannot overflow the call stack). Keeps the strongest regions by peak.
/// The scan skips under-threshold stretches a vector at a time, and labels carry a per-call stamp, so a map
/// with no or few regions costs one read of the map.
/// One instance per workspace; not thread-safe.
/// </summary>
public sealed class RegionFinder
{
    private const int MaxTracked = 4096;
    private int[] labels = [];
    private int[] stack = [];
    private int stamp;
    private readonly Component[] components = new Component[MaxTracked];

    /// <summary>
    /// Finds regions in <paramref name="map"/> (<paramref name="width"/> × <paramref name="height"/>, one map pixel =
    /// <paramref name="scale"/> radiograph pixels) and returns up to <paramref name="maxRegions"/> of at least
    /// <paramref name="minArea"/> radiograph pixels, strongest first, clipped to the radiograph's size.
    /// </summary>
    public IReadOnlyList<RegionOfInterest> Find(ReadOnlySpan<float> map, int width, int height, float threshold, int scale, int imageWidth, int imageHeight, int maxRegions, long minArea)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 0xFFFF);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, 0xFFFF);
        var length = width * height;
        if (labels.Length < length)
        {
            labels = new int[length];
            stack = new int[length];
            stamp = 0;
        }

        // A pixel is labelled in this call when it holds this call's stamp: no clearing of a map-sized array.
        if (++stamp == int.MaxValue)
        {
            labels.AsSpan().Clear();
            stamp = 1;
        }

        var label = labels.AsSpan(0, length);
        var tracked = 0;
        var lanes = Vector<float>.Count;
        var thresholds = new Vector<float>(threshold);
        for (var start = 0; start < length; start++)
        {
            // Most of a map lies under the threshold: skip it a vector at a time.
            if ((start % lanes) == 0 && start <= length - lanes && !Vector.GreaterThanOrEqualAny(new Vector<float>(map[start..]), thresholds))
            {
                start += lanes - 1;
                continue;
            }

            if (label[start] == stamp || !(map[start] >= threshold))
            {
                continue;
            }

            var component = new Component { MinX = int.MaxValue, MinY = int.MaxValue, MaxX = -1, MaxY = -1, Peak = float.NegativeInfinity };
            // The stack holds (y << 16) | x, not the index: no division per pixel (map sides are < 65536).
            var top = 0;
            stack[top++] = Pack(start % width, start / width);
            label[start] = stamp;
            while (top > 0)
            {
                var packed = stack[--top];
                var x = packed & 0xFFFF;
                var y = (int)((uint)packed >> 16);
                var at = (y * width) + x;
                component.Include(x, y, map[at], at);
                for (var dy = -1; dy <= 1; dy++)
                {
                    var ny = y + dy;
                    if ((uint)ny >= (uint)height)
                    {
                        continue;
                    }

                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var nx = x + dx;
                        if ((uint)nx >= (uint)width)
                        {
                            continue;
                        }

                        var neighbour = (ny * width) + nx;
                        if (label[neighbour] != stamp && map[neighbour] >= threshold)
                        {
                            label[neighbour] = stamp;
                            stack[top++] = Pack(nx, ny);
                        }
                    }
                }
            }

            if (component.Area * scale * scale < minArea)
            {
                continue;
            }

            if (tracked < MaxTracked)
            {
                components[tracked++] = component;
            }
            else
            {
                var weakest = 0;
                for (var i = 1; i < tracked; i++)
                {
                    if (components[i].Peak < components[weakest].Peak)
                    {
                        weakest = i;
                    }
                }

                if (component.Peak > components[weakest].Peak)
                {
                    components[weakest] = component;
                }
            }
        }

        if (tracked == 0)
        {
            return [];
        }

        // Strongest first; ties broken by position so the order is deterministic.
        Array.Sort(components, 0, tracked, ComponentOrder.Instance);
        var count = Math.Min(tracked, maxRegions);
        var regions = new RegionOfInterest[count];
        for (var i = 0; i < count; i++)
        {
            var c = components[i];
            var x = c.MinX * scale;
            var y = c.MinY * scale;
            var right = Math.Min(imageWidth, (c.MaxX + 1) * scale);
            var bottom = Math.Min(imageHeight, (c.MaxY + 1) * scale);
            var peakX = Math.Min(imageWidth - 1, ((c.PeakAt % width) * scale) + (scale / 2));
            var peakY = Math.Min(imageHeight - 1, ((c.PeakAt / width) * scale) + (scale / 2));
            regions[i] = new RegionOfInterest(x, y, right - x, bottom - y, peakX, peakY, c.Peak, c.Area * scale * scale);
        }

        return regions;
    }

    private static int Pack(int x, int y) => (int)(((uint)y << 16) | (uint)x);

    private struct Component
    {
        public int MinX;
        public int MinY;
        public int MaxX;
        public int MaxY;
        public long Area;
        public float Peak;
        public int PeakAt;

        public void Include(int x, int y, float value, int at)
        {
            MinX = Math.Min(MinX, x);
            MinY = Math.Min(MinY, y);
            MaxX = Math.Max(MaxX, x);
            MaxY = Math.Max(MaxY, y);
            Area++;
            if (value > Peak || (value == Peak && at < PeakAt))
            {
                Peak = value;
                PeakAt = at;
            }
        }
    }

    private sealed class ComponentOrder : IComparer<Component>
    {
        public static readonly ComponentOrder Instance = new();

        public int Compare(Component a, Component b)
        {
            var byPeak = b.Peak.CompareTo(a.Peak);
            return byPeak != 0 ? byPeak : a.PeakAt.CompareTo(b.PeakAt);
        }
    }
}
