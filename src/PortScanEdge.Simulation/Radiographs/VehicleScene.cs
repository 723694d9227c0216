namespace PortScanEdge.Simulation.Radiographs;

/// <summary>A place in a drawn vehicle where a concealment can go.</summary>
internal enum HidingPlaceKind
{
    TyreCavity,
    FuelTank,
    CargoSpace,
    CargoWall,
    Cab,
}

/// <summary>A hiding place: a region in pixels, with the wheel centre and radii for tyre cavities.</summary>
internal readonly record struct HidingPlace(HidingPlaceKind Kind, double X, double Y, double Width, double Height, double InnerRadius = 0, double OuterRadius = 0);

/// <summary>
/// Draws a vehicle as it crosses a drive-through portal: side view, the beam crossing the vehicle's width.
/// Structures that run across the width (floors, axles, roof bows) are long beam paths and come out dark;
/// side walls are short paths. Every random choice comes from the vehicle stream only.
/// </summary>
internal sealed class VehicleScene
{
    private static readonly string[] VehicleTypes = ["car", "van", "box-truck", "semi-box", "tanker", "flatbed-container"];
    private static readonly double[] VehicleLengthsMetres = [4.6, 5.6, 8.2, 16.5, 15.5, 16.2];

    private readonly AttenuationCanvas _canvas;
    private readonly RadiographRandom _random;
    private readonly ulong _textureSeed;
    private readonly List<HidingPlace> _places = [];
    private double _originX;
    private double _groundY;
    private double _pixelsPerMetreX;
    private double _pixelsPerMetreY;

    public VehicleScene(AttenuationCanvas canvas, RadiographRandom random, ulong textureSeed)
    {
        _canvas = canvas;
        _random = random;
        _textureSeed = textureSeed;
    }

    public string VehicleType { get; private set; } = "";

    public IReadOnlyList<HidingPlace> HidingPlaces => _places;

    public double PixelsPerMetreX => _pixelsPerMetreX;

    public double PixelsPerMetreY => _pixelsPerMetreY;

    public void Draw()
    {
        int type = _random.Next(0, VehicleTypes.Length);
        VehicleType = VehicleTypes[type];
        double length = VehicleLengthsMetres[type] * _random.Range(0.9, 1.1);

        // The detector column spans ≈ 4.6 m of height; the horizontal scale depends on vehicle speed,
        // here chosen so the vehicle fills 70–92 % of the scan width, never stretched beyond 1.3× vertical.
        _pixelsPerMetreY = _canvas.Height * 0.86 / 4.6;
        _pixelsPerMetreX = Math.Min(_pixelsPerMetreY * 1.3, _canvas.Width * _random.Range(0.70, 0.92) / length);
        _groundY = _canvas.Height * _random.Range(0.905, 0.925);
        double usedWidth = length * _pixelsPerMetreX;
        _originX = _random.Range(0.03, 0.97) * (_canvas.Width - usedWidth);

        DrawPortalFloor();
        switch (VehicleType)
        {
            case "car":
                DrawCar(length, van: false);
                break;
            case "van":
                DrawCar(length, van: true);
                break;
            case "box-truck":
                DrawRigidTruck(length);
                break;
            default:
                DrawSemi(length);
                break;
        }
    }

    private double X(double metres) => _originX + metres * _pixelsPerMetreX;

    private double Y(double metresAboveGround) => _groundY - metresAboveGround * _pixelsPerMetreY;

    private double W(double metres) => metres * _pixelsPerMetreX;

    private double H(double metres) => metres * _pixelsPerMetreY;

    /// <summary>Fills a rectangle given in vehicle metres: from x, at height bottom..top above ground.</summary>
    private void Slab(double x, double bottom, double length, double height, float pathMetres, Material material, double texture = 0, double textureCellMetres = 0.3)
    {
        ValueNoise? noise = texture > 0 ? new ValueNoise(_textureSeed ^ (ulong)_random.NextUInt64(), textureCellMetres * _pixelsPerMetreY) : null;
        _canvas.FillRectangle(X(x), Y(bottom + height), W(length), H(height), pathMetres, material, noise, (float)texture);
    }

    private void DrawPortalFloor()
    {
        // Below the road surface the detector sees the portal's concrete plinth.
        _canvas.FillRectangle(0, _groundY + 2, _canvas.Width, _canvas.Height - _groundY, 1.1f, Material.Sand);
    }

    private void DrawWheel(double xCentre, double radius, bool dual)
    {
        double cx = X(xCentre);
        double cy = Y(radius);
        double rOuter = H(radius);
        double rTreadInner = rOuter * 0.82;
        double rRim = rOuter * _random.Range(0.52, 0.62);
        float tyreWidth = (float)(dual ? 0.62 : 0.24);
        _canvas.FillRing(cx, cy, rOuter, rTreadInner, tyreWidth, Material.Rubber);
        _canvas.FillRing(cx, cy, rTreadInner, rRim, 0.035f, Material.Rubber);
        _canvas.FillRing(cx, cy, rRim, rRim * 0.25, dual ? 0.03f : 0.012f, Material.Steel);
        int lugs = dual ? 10 : 5;
        for (int i = 0; i < lugs; i++)
        {
            double a = 2 * Math.PI * i / lugs;
            _canvas.FillRing(cx + Math.Cos(a) * rRim * 0.45, cy + Math.Sin(a) * rRim * 0.45, Math.Max(1.5, rRim * 0.07), 0, 0.06f, Material.Steel);
        }

        _canvas.FillRing(cx, cy, rRim * 0.25, 0, dual ? 0.45f : 0.12f, Material.Steel);
        _places.Add(new HidingPlace(HidingPlaceKind.TyreCavity, cx, cy, 0, 0, rRim, rTreadInner));
    }

    private void DrawAxle(double xCentre, double wheelRadius, bool dual, bool driven)
    {
        DrawWheel(xCentre, wheelRadius, dual);
        if (driven)
        {
            // A differential housing: a dense lump on the axle line.
            _canvas.FillRing(X(xCentre), Y(wheelRadius), H(0.17), 0, 0.35f, Material.Steel);
        }
    }

    private void DrawChassis(double from, double to, double height)
    {
        Slab(from, height, to - from, 0.28, 0.025f, Material.Steel);
        for (double x = from + 0.3; x < to - 0.2; x += _random.Range(0.9, 1.3))
        {
            Slab(x, height, 0.08, 0.25, 0.9f, Material.Steel);
        }
    }

    private void DrawFuelTank(double x, double length, double radius, double centreHeight)
    {
        double fill = _random.Range(0.2, 0.95);
        _canvas.FillCylinder(X(x), Y(centreHeight), W(length), H(radius), 1 / _pixelsPerMetreY, 0.004f, Material.Aluminium, Material.Diesel, fill);
        _places.Add(new HidingPlace(HidingPlaceKind.FuelTank, X(x) + W(length) * 0.1, Y(centreHeight + radius * 0.8), W(length) * 0.8, H(radius * 1.6)));
    }

    private void DrawCab(double x, double length, double floor, double roof, bool engineInFront)
    {
        double height = roof - floor;
        Slab(x, floor, length, height, 0.004f, Material.Steel);
        Slab(x, roof - 0.06, length, 0.06, 2.2f, Material.Steel);
        Slab(x, floor, length, 0.08, 2.0f, Material.Steel);
        Slab(x + length - 0.06, floor, 0.06, height, 0.5f, Material.Steel);
        Slab(x, floor, 0.06, height, 0.45f, Material.Steel);

        // Windscreen and side windows: glass across the width only in the upper part.
        Slab(x + length * 0.55, floor + height * 0.55, length * 0.42, height * 0.38, 0.01f, Material.Glass);
        double engineLength = Math.Min(1.1, length * 0.35);
        double engineX = engineInFront ? x + length - engineLength - 0.1 : x + length * 0.3;
        Slab(engineX, floor + 0.05, engineLength, Math.Min(0.85, height * 0.4), 0.42f, Material.Steel, texture: 0.25, textureCellMetres: 0.12);
        Slab(engineX + engineLength * 0.2, floor + 0.1, engineLength * 0.5, 0.25, 0.35f, Material.Aluminium);

        // Seats with occupants (organic), a battery box (lead plates), a steering wheel ring.
        double seatX = x + length * 0.3;
        Slab(seatX, floor + 0.25, 0.55, 0.55, 0.9f, Material.Plastic, texture: 0.2, textureCellMetres: 0.1);
        _canvas.FillBlob(X(seatX + 0.35), Y(floor + 1.0), H(0.22), H(0.34), 0.7f, Material.Organic, _random, 0.08);
        _canvas.FillRing(X(seatX + 0.85), Y(floor + 1.05), H(0.2), H(0.17), 0.04f, Material.Plastic);
        Slab(x + length * 0.1, floor - 0.35, 0.35, 0.25, 0.2f, Material.Lead);
        _places.Add(new HidingPlace(HidingPlaceKind.Cab, X(x + length * 0.05), Y(roof - 0.2), W(length * 0.5), H(height * 0.6)));
    }

    private void DrawCar(double length, bool van)
    {
        double wheelRadius = van ? 0.36 : 0.32;
        double floor = 0.25;
        double roof = van ? _random.Range(1.9, 2.5) : _random.Range(1.35, 1.6);

        // Body shell: sheet metal sides, roof and floor pan across the width.
        Slab(0.1, floor, length - 0.2, roof - floor, 0.006f, Material.Steel);
        Slab(0.1, roof - 0.04, length - 0.2, 0.04, 1.6f, Material.Steel);
        Slab(0.05, floor, length - 0.1, 0.06, 1.5f, Material.Steel);
        Slab(length - 1.0, floor + 0.05, 0.75, 0.55, 0.45f, Material.Steel, texture: 0.25, textureCellMetres: 0.1);
        Slab(0.25, floor + 0.1, 0.6, 0.5, 0.03f, Material.Steel);
        Slab(length * 0.35, floor + roof * 0.5, length * 0.45, (roof - floor) * 0.35, 0.008f, Material.Glass);

        double seatX = length * 0.45;
        for (int row = 0; row < (van ? 1 : 2); row++)
        {
            double sx = seatX - row * 0.9;
            Slab(sx, floor + 0.15, 0.5, 0.45, 1.1f, Material.Plastic, texture: 0.2, textureCellMetres: 0.1);
            if (row == 0 || _random.Chance(0.4))
            {
                _canvas.FillBlob(X(sx + 0.3), Y(floor + 0.85), H(0.2), H(0.32), 0.9f, Material.Organic, _random, 0.08);
            }
        }

        Slab(0.3, floor - 0.05, 0.7, 0.25, 0.05f, Material.Plastic);
        DrawFuelTank(0.9, 0.7, 0.11, floor + 0.02);
        DrawAxle(0.75, wheelRadius, dual: false, driven: false);
        DrawAxle(length - 0.9, wheelRadius, dual: false, driven: true);
        double cargoStart = van ? 0.2 : 0.15;
        double cargoEnd = van ? length * 0.55 : 0.95;
        _places.Add(new HidingPlace(HidingPlaceKind.CargoSpace, X(cargoStart), Y(roof - 0.15), W(cargoEnd - cargoStart), H(roof - floor - 0.3)));
        _places.Add(new HidingPlace(HidingPlaceKind.CargoWall, X(cargoStart), Y(floor + 0.2), W(cargoEnd - cargoStart), H(0.2)));
        _places.Add(new HidingPlace(HidingPlaceKind.Cab, X(length * 0.3), Y(roof - 0.1), W(length * 0.35), H(roof - floor - 0.3)));
        if (van)
        {
            DrawCargo(0.2, length * 0.55 - 0.2, floor + 0.08, roof - floor - 0.25, width: 1.6);
        }
    }

    private void DrawRigidTruck(double length)
    {
        double cabLength = 2.2;
        double floor = 1.05;
        double boxHeight = _random.Range(2.2, 2.7);
        DrawChassis(0.3, length - 0.3, 0.75);
        DrawCab(length - cabLength, cabLength, 0.9, 3.2, engineInFront: false);
        DrawFuelTank(length - cabLength - 1.6, 1.1, 0.27, 0.7);
        DrawAxle(length - 1.2, 0.5, dual: false, driven: false);
        DrawAxle(1.6, 0.5, dual: true, driven: true);
        DrawBox(0, length - cabLength - 0.15, floor, boxHeight, container: false);
    }

    private void DrawSemi(double length)
    {
        double cabLength = 2.4;
        double trailerLength = length - cabLength * 0.55 - 0.2;
        double floor = 1.25;
        DrawChassis(length - 6.0, length - 0.2, 0.85);
        DrawCab(length - cabLength, cabLength, 1.0, 3.7, engineInFront: false);
        DrawFuelTank(length - cabLength - 1.7, 1.3, 0.3, 0.75);
        DrawAxle(length - 1.3, 0.52, dual: false, driven: false);
        DrawAxle(length - 4.4, 0.52, dual: true, driven: true);
        DrawAxle(length - 5.75, 0.52, dual: true, driven: true);
        DrawChassis(0.2, trailerLength, 1.0);
        int trailerAxles = _random.Next(2, 4);
        for (int i = 0; i < trailerAxles; i++)
        {
            DrawAxle(1.4 + i * 1.35, 0.52, dual: true, driven: false);
        }

        Slab(trailerLength - 1.5, 0.9, 0.25, 0.5, 0.05f, Material.Steel); // landing gear
        switch (VehicleType)
        {
            case "tanker":
                DrawTank(0.3, trailerLength - 0.3, floor);
                break;
            case "flatbed-container":
                Slab(0, floor, trailerLength, 0.12, 0.5f, Material.Steel);
                DrawBox(0.15, Math.Min(12.2, trailerLength - 0.3), floor + 0.12, 2.55, container: true);
                break;
            default:
                DrawBox(0, trailerLength, floor, _random.Range(2.5, 2.75), container: false);
                break;
        }
    }

    private void DrawTank(double x, double length, double floor)
    {
        double radius = _random.Range(0.95, 1.15);
        double cy = floor + radius + 0.05;
        var liquid = _random.Pick([Material.Diesel, Material.Water, Material.Plastic]);
        int compartments = _random.Next(2, 5);
        double compartmentLength = length / compartments;
        for (int i = 0; i < compartments; i++)
        {
            // Liquid path is scaled to a tank barrel that is wider (≈ 2.3 m) than tall.
            _canvas.FillCylinder(X(x + i * compartmentLength), Y(cy), W(compartmentLength), H(radius), 1 / _pixelsPerMetreY * 1.1, 0.006f, Material.Steel, liquid, _random.Range(0.0, 0.9));
        }

        _places.Add(new HidingPlace(HidingPlaceKind.CargoSpace, X(x + 0.3), Y(cy + radius * 0.7), W(length - 0.6), H(radius * 1.4)));
    }

    private void DrawBox(double x, double length, double floor, double height, bool container)
    {
        // Floor (wood on steel cross members), roof, front and rear frames: long paths across the width.
        Slab(x, floor, length, 0.05, 2.4f, Material.Wood);
        Slab(x, floor - 0.12, length, 0.12, 0.06f, Material.Steel);
        Slab(x, floor + height - 0.04, length, 0.04, container ? 2.4f : 0.6f, container ? Material.Steel : Material.Aluminium);
        Slab(x, floor, length, height, container ? 0.004f : 0.006f, container ? Material.Steel : Material.Aluminium);
        Slab(x, floor, 0.12, height, 0.6f, Material.Steel);
        Slab(x + length - 0.12, floor, 0.12, height, 0.6f, Material.Steel);
        double postSpacing = container ? 0.28 : 0.6;
        for (double px = x + postSpacing; px < x + length - 0.2; px += postSpacing)
        {
            // Side posts or container corrugation: short paths, a fine vertical comb.
            Slab(px, floor, container ? 0.06 : 0.05, height, container ? 0.006f : 0.03f, Material.Steel);
        }

        _places.Add(new HidingPlace(HidingPlaceKind.CargoWall, X(x + 0.1), Y(floor + height), W(length - 0.2), H(height)));
        DrawCargo(x + 0.15, length - 0.3, floor + 0.05, height - 0.15, width: 2.45);
    }

    private void DrawCargo(double x, double length, double floor, double height, double width)
    {
        string[] kinds = ["pallets", "pallets", "liquids", "machinery", "bulk", "empty", "mixed"];
        string kind = _random.Pick(kinds);
        _places.Add(new HidingPlace(HidingPlaceKind.CargoSpace, X(x), Y(floor + height), W(length), H(height)));
        double fillTo = x + length * _random.Range(0.35, 1.0);
        double cursor = x;
        while (cursor < fillTo - 0.6 && kind != "empty")
        {
            string unit = kind == "mixed" ? _random.Pick(["pallets", "liquids", "machinery"]) : kind;
            double unitLength;
            switch (unit)
            {
                case "pallets":
                    unitLength = DrawPallet(cursor, floor, height, width);
                    break;
                case "liquids":
                    unitLength = DrawTote(cursor, floor, height, width);
                    break;
                case "machinery":
                    unitLength = DrawMachine(cursor, floor, height, width);
                    break;
                default:
                    DrawBulk(cursor, fillTo - cursor, floor, height, width);
                    unitLength = fillTo - cursor;
                    break;
            }

            cursor += unitLength + _random.Range(0.02, 0.3);
        }
    }

    private double DrawPallet(double x, double floor, double maxHeight, double width)
    {
        double length = _random.Pick([1.0, 1.2, 1.2]) * _random.Range(0.95, 1.02);
        Slab(x, floor, length, 0.14, (float)(width * 0.35), Material.Wood);
        double stackHeight = _random.Range(0.6, Math.Min(2.2, maxHeight - 0.2));
        var goods = _random.Pick([Material.Paper, Material.Plastic, Material.Water, Material.Wood, Material.Glass, Material.Organic]);
        double density = goods.Name is "glass" ? _random.Range(0.05, 0.25) : _random.Range(0.12, 0.7);
        int rows = _random.Next(2, 6);
        int columns = _random.Next(1, 4);
        double cellLength = length / columns;
        double cellHeight = stackHeight / rows;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                // Cartons: a slight gap between them, their own fill within the pallet's goods.
                Slab(x + c * cellLength + 0.01, floor + 0.14 + r * cellHeight + 0.01, cellLength - 0.02, cellHeight - 0.02,
                    (float)(width * density * _random.Range(0.85, 1.1)), goods, texture: 0.12, textureCellMetres: 0.15);
            }
        }

        return length;
    }

    private double DrawTote(double x, double floor, double maxHeight, double width)
    {
        double size = Math.Min(1.15, maxHeight - 0.1);
        Slab(x, floor, size, 0.12, 0.4f, Material.Steel);
        for (int i = 0; i <= 4; i++)
        {
            Slab(x + i * (size - 0.03) / 4, floor + 0.12, 0.03, size - 0.12, 0.05f, Material.Steel);
            Slab(x, floor + 0.12 + i * (size - 0.15) / 4, size, 0.03, (float)(width * 0.02), Material.Steel);
        }

        double fill = _random.Range(0.2, 0.98);
        var liquid = _random.Pick([Material.Water, Material.Diesel, Material.Plastic]);
        Slab(x + 0.03, floor + 0.14, size - 0.06, (size - 0.2) * fill, (float)(width * 0.85), liquid);
        return size;
    }

    private double DrawMachine(double x, double floor, double maxHeight, double width)
    {
        double length = _random.Range(0.8, 2.4);
        double height = _random.Range(0.4, Math.Min(1.8, maxHeight - 0.1));
        Slab(x, floor, length, 0.1, (float)(width * 0.08), Material.Steel);
        int parts = _random.Next(3, 8);
        for (int i = 0; i < parts; i++)
        {
            double pl = _random.Range(0.1, length * 0.6);
            double ph = _random.Range(0.08, height * 0.7);
            double px = x + _random.Range(0, length - pl);
            double py = floor + 0.1 + _random.Range(0, height - ph);
            if (_random.Chance(0.35))
            {
                double radius = Math.Min(pl, ph) / 2;
                _canvas.FillRing(X(px + radius), Y(py + radius), H(radius), _random.Chance(0.5) ? H(radius * 0.6) : 0, (float)_random.Range(0.05, 0.4), Material.Steel);
            }
            else
            {
                Slab(px, py, pl, ph, (float)_random.Range(0.02, 0.3), _random.Chance(0.7) ? Material.Steel : Material.Aluminium, texture: 0.15, textureCellMetres: 0.1);
            }
        }

        return length;
    }

    private void DrawBulk(double x, double length, double floor, double maxHeight, double width)
    {
        var goods = _random.Pick([Material.Sand, Material.Organic, Material.Wood, Material.Paper]);
        double level = _random.Range(0.3, maxHeight * 0.8);
        double density = _random.Range(0.25, 0.6);
        var surface = new ValueNoise(_textureSeed ^ _random.NextUInt64(), 0.8 * _pixelsPerMetreX);
        var grain = new ValueNoise(_textureSeed ^ _random.NextUInt64(), 0.1 * _pixelsPerMetreY);
        int x0 = (int)X(x), x1 = (int)X(x + length);
        int yFloor = (int)Y(floor);
        for (int px = Math.Max(0, x0); px < Math.Min(_canvas.Width, x1); px++)
        {
            double top = Y(floor + level * (1 + 0.25 * surface.Sample(px, 0)));
            for (int py = Math.Max(0, (int)top); py < yFloor; py++)
            {
                _canvas.Add(px, py, (float)(width * density * (1 + 0.1 * grain.Sample(px, py))), goods);
            }
        }
    }
}
