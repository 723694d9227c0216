namespace PortScanEdge.Simulation.Radiographs;

/// <summary>
/// Draws concealments into a vehicle already on the canvas. All of its random draws come from its own
/// stream, so the same seed renders the same vehicle with or without contraband; the returned box is the
/// tight box of the pixels the payload changed.
/// </summary>
internal sealed class ConcealmentPainter
{
    private readonly AttenuationCanvas _canvas;
    private readonly RadiographRandom _random;
    private readonly VehicleScene _scene;

    public ConcealmentPainter(AttenuationCanvas canvas, RadiographRandom random, VehicleScene scene)
    {
        _canvas = canvas;
        _random = random;
        _scene = scene;
    }

    public Concealment? Paint(ConcealmentKind kind)
    {
        return kind switch
        {
            ConcealmentKind.TyrePackage => PaintTyre(),
            ConcealmentKind.FuelTankPackage => PaintTank(),
            ConcealmentKind.WallCompartment => PaintWall(),
            ConcealmentKind.CargoBricks => PaintBricks(),
            ConcealmentKind.OrganicMass => PaintOrganic(),
            ConcealmentKind.ShieldedCylinder => PaintCylinder(),
            _ => null,
        };
    }

    private double MetresX(double metres) => metres * _scene.PixelsPerMetreX;

    private double MetresY(double metres) => metres * _scene.PixelsPerMetreY;

    private HidingPlace? Place(HidingPlaceKind kind)
    {
        var candidates = _scene.HidingPlaces.Where(p => p.Kind == kind && (kind == HidingPlaceKind.TyreCavity || (p.Width >= 8 && p.Height >= 8))).ToList();
        return candidates.Count == 0 ? null : _random.Pick(candidates);
    }

    private Concealment? Finish(ConcealmentKind kind, Material material, PixelBox box)
    {
        box = box.ClipTo(_canvas.Width, _canvas.Height);
        return box.IsEmpty ? null : new Concealment(kind, material.Name, box);
    }

    private Material Payload() => _random.Pick([Material.Organic, Material.Organic, Material.Cash, Material.Plastic]);

    private Concealment? PaintTyre()
    {
        if (Place(HidingPlaceKind.TyreCavity) is not HidingPlace wheel)
        {
            return null;
        }

        double band = wheel.OuterRadius - wheel.InnerRadius;
        double radius = (wheel.OuterRadius + wheel.InnerRadius) / 2;
        double angle = _random.Range(0, 2 * Math.PI);
        var material = Payload();
        float path = (float)_random.Range(0.12, 0.45);
        PixelBox box = default;
        int bricks = _random.Next(1, 4);
        for (int i = 0; i < bricks; i++)
        {
            // Bricks follow the cavity around the rim.
            double a = angle + i * band * 1.1 / radius;
            double size = band * _random.Range(0.6, 0.85);
            double cx = wheel.X + Math.Cos(a) * radius;
            double cy = wheel.Y + Math.Sin(a) * radius;
            box = box.Union(_canvas.FillRectangle(cx - size / 2, cy - size / 2, size, size, path, material));
        }

        return Finish(ConcealmentKind.TyrePackage, material, box);
    }

    private Concealment? PaintTank()
    {
        if (Place(HidingPlaceKind.FuelTank) is not HidingPlace tank)
        {
            return null;
        }

        double width = tank.Width * _random.Range(0.25, 0.6);
        double height = tank.Height * _random.Range(0.3, 0.6);
        double x = tank.X + _random.Range(0, tank.Width - width);
        double y = tank.Y + _random.Range(0, tank.Height - height);
        var material = _random.Chance(0.7) ? Payload() : Material.Steel;
        float path = material.Name == "steel" ? (float)_random.Range(0.01, 0.03) : (float)_random.Range(0.12, 0.35);
        return Finish(ConcealmentKind.FuelTankPackage, material, _canvas.FillRectangle(x, y, width, height, path, material));
    }

    private Concealment? PaintWall()
    {
        if (Place(HidingPlaceKind.CargoWall) is not HidingPlace wall)
        {
            return null;
        }

        var material = Payload();
        PixelBox box;
        if (_random.Chance(0.5))
        {
            // A false front (or rear) wall: a vertical band across the width, part or full height.
            double depth = MetresX(_random.Range(0.12, 0.35));
            double height = wall.Height * _random.Range(0.35, 0.95);
            double x = _random.Chance(0.5) ? wall.X : wall.X + wall.Width - depth;
            double y = wall.Y + wall.Height - height;
            box = _canvas.FillRectangle(x, y, depth, height, (float)_random.Range(0.4, 1.3), material);
            _canvas.FillRectangle(x, y, depth, height, 0.006f, Material.Steel);
        }
        else
        {
            // A false floor: a low horizontal band along part of the cargo floor.
            double length = wall.Width * _random.Range(0.15, 0.45);
            double depth = MetresY(_random.Range(0.06, 0.14));
            double x = wall.X + _random.Range(0, wall.Width - length);
            double y = wall.Y + wall.Height - depth;
            box = _canvas.FillRectangle(x, y, length, depth, (float)_random.Range(0.5, 1.5), material);
            _canvas.FillRectangle(x, y, length, depth, 0.01f, Material.Steel);
        }

        return Finish(ConcealmentKind.WallCompartment, material, box);
    }

    private Concealment? PaintBricks()
    {
        if (Place(HidingPlaceKind.CargoSpace) is not HidingPlace space)
        {
            return null;
        }

        var material = Payload();
        double brickW = MetresX(_random.Range(0.18, 0.3));
        double brickH = MetresY(_random.Range(0.06, 0.12));
        int columns = _random.Next(1, 4);
        int rows = _random.Next(1, 5);
        double gap = Math.Max(1, MetresY(0.008));
        double totalW = columns * (brickW + gap);
        double totalH = rows * (brickH + gap);
        double x = space.X + _random.Range(0, Math.Max(1, space.Width - totalW));
        double y = space.Y + space.Height - totalH - _random.Range(0, Math.Max(1, space.Height - totalH));
        float path = (float)_random.Range(0.15, 0.6);
        PixelBox box = default;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                box = box.Union(_canvas.FillRectangle(x + c * (brickW + gap), y + r * (brickH + gap), brickW, brickH, path * (float)_random.Range(0.9, 1.1), material));
            }
        }

        return Finish(ConcealmentKind.CargoBricks, material, box);
    }

    private Concealment? PaintOrganic()
    {
        var place = _random.Chance(0.7) ? Place(HidingPlaceKind.CargoSpace) : Place(HidingPlaceKind.Cab);
        if (place is not HidingPlace space)
        {
            return null;
        }

        double rx = MetresX(_random.Range(0.12, 0.4));
        double ry = MetresY(_random.Range(0.12, 0.4));
        double cx = space.X + _random.Range(rx, Math.Max(rx + 1, space.Width - rx));
        double cy = space.Y + _random.Range(ry, Math.Max(ry + 1, space.Height - ry));
        var material = _random.Chance(0.8) ? Material.Organic : Material.Water;
        var box = _canvas.FillBlob(cx, cy, rx, ry, (float)_random.Range(0.25, 0.8), material, _random, _random.Range(0.05, 0.25));
        return Finish(ConcealmentKind.OrganicMass, material, box);
    }

    private Concealment? PaintCylinder()
    {
        if (Place(HidingPlaceKind.CargoSpace) is not HidingPlace space)
        {
            return null;
        }

        var material = _random.Chance(0.6) ? Material.Lead : Material.Copper;
        double radius = MetresY(_random.Range(0.05, 0.12));
        double cx = space.X + _random.Range(radius, Math.Max(radius + 1, space.Width - radius));
        double cy = space.Y + _random.Range(radius, Math.Max(radius + 1, space.Height - radius));
        PixelBox box;
        if (_random.Chance(0.5))
        {
            // End-on: a disc whose path is the cylinder's length.
            box = _canvas.FillRing(cx, cy, radius, 0, (float)_random.Range(0.06, 0.2), material);
        }
        else
        {
            double length = MetresX(_random.Range(0.15, 0.4));
            box = _canvas.FillCylinder(cx - length / 2, cy, length, radius, 1 / _scene.PixelsPerMetreY, 0.5f, material, null, 0, endCaps: false);
        }

        return Finish(ConcealmentKind.ShieldedCylinder, material, box);
    }
}
