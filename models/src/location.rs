//! Locations and geo-queries (TS-0001 R4 `location` common attribute and filterCriteria
//! `geoQuery`; TS-0004 R4 m2m:geoCoordinates, m2m:geometryType,
//! m2m:geoSpatialFunctionType): a resource's `loc` (`{"typ": …, "crd": "…"}`) and a
//! query's `gmty`/`geom`/`gsf` both become a `geo` geometry, and the spatial function
//! is the `geo` crate's DE-9IM relation, never geometry written here.
//!
//! Coordinates are GeoJSON positions (RFC 7946): `[longitude, latitude]` with an
//! optional altitude that is kept in the text but not compared. A polygon is given as
//! its exterior ring (`[[x, y], …]`, as oneM2M examples and ACME write it) or as
//! GeoJSON rings (`[[[x, y], …], …]`, exterior first, then holes).

use geo::{BoundingRect, Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon};
use geo::{Point, Polygon, Relate};
use serde_json::Value;

use crate::problem::Problem;

/// Most positions one geometry may hold: a `loc` is stored and a `geom` compared with
/// every candidate, so an unbounded geometry is unbounded work.
pub const MAX_POSITIONS: usize = 4096;

/// m2m:geometryType (`typ` of a `loc`, the `gmty` filter criterion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GeometryType {
    /// 1: one position.
    Point,
    /// 2: two or more positions.
    LineString,
    /// 3: a closed ring of four or more positions (and optional holes).
    Polygon,
    /// 4: positions.
    MultiPoint,
    /// 5: line strings.
    MultiLineString,
    /// 6: polygons.
    MultiPolygon,
}

impl GeometryType {
    /// The type for its wire number, 4000 naming `name` otherwise.
    pub fn from_number(name: &str, n: i64) -> Result<Self, Problem> {
        Ok(match n {
            1 => Self::Point,
            2 => Self::LineString,
            3 => Self::Polygon,
            4 => Self::MultiPoint,
            5 => Self::MultiLineString,
            6 => Self::MultiPolygon,
            _ => {
                return Err(Problem::bad_request(format!(
                    "{name} must be a geometryType 1..6 (Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon), got {n}"
                )));
            }
        })
    }

    /// The wire number.
    pub fn number(self) -> i64 {
        match self {
            Self::Point => 1,
            Self::LineString => 2,
            Self::Polygon => 3,
            Self::MultiPoint => 4,
            Self::MultiLineString => 5,
            Self::MultiPolygon => 6,
        }
    }

    /// The GeoJSON name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Point => "Point",
            Self::LineString => "LineString",
            Self::Polygon => "Polygon",
            Self::MultiPoint => "MultiPoint",
            Self::MultiLineString => "MultiLineString",
            Self::MultiPolygon => "MultiPolygon",
        }
    }
}

/// m2m:geoSpatialFunctionType (`gsf`): how a resource's location must relate to the
/// query geometry for the resource to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SpatialFunction {
    /// 1: the location lies within the query geometry.
    Within,
    /// 2: the location contains the query geometry.
    Contains,
    /// 3: the location and the query geometry share at least one point.
    Intersects,
}

impl SpatialFunction {
    /// The function for its wire number (4000 otherwise).
    pub fn from_number(n: i64) -> Result<Self, Problem> {
        match n {
            1 => Ok(Self::Within),
            2 => Ok(Self::Contains),
            3 => Ok(Self::Intersects),
            _ => Err(Problem::bad_request(format!(
                "gsf must be a geoSpatialFunction 1 (within), 2 (contains) or 3 (intersects), got {n}"
            ))),
        }
    }

    /// The wire number.
    pub fn number(self) -> i64 {
        match self {
            Self::Within => 1,
            Self::Contains => 2,
            Self::Intersects => 3,
        }
    }
}

/// An axis-aligned box in degrees: what the location index stores per resource, and
/// the range a geo-query narrows its candidates to before the exact predicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    /// Westmost longitude.
    pub min_lon: f64,
    /// Southmost latitude.
    pub min_lat: f64,
    /// Eastmost longitude.
    pub max_lon: f64,
    /// Northmost latitude.
    pub max_lat: f64,
}

/// A parsed location: its type as given and its geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The declared type.
    pub typ: GeometryType,
    /// The geometry the coordinates describe.
    pub geometry: Geometry<f64>,
}

impl Location {
    /// Parses coordinates given as JSON text for a declared type; 4000 naming `name`
    /// when the text is no JSON, the nesting does not fit the type, a position is not
    /// `[lon, lat(, alt)]` in range, a line has fewer than two positions, or a ring is
    /// not closed or has fewer than four.
    pub fn parse(name: &str, typ: GeometryType, coordinates: &str) -> Result<Self, Problem> {
        let value: Value = serde_json::from_str(coordinates)
            .map_err(|e| Problem::bad_request(format!("{name} is not JSON coordinates: {e}")))?;
        let mut reader = Reader {
            name,
            typ,
            count: 0,
        };
        let geometry = reader.geometry(&value)?;
        Ok(Self { typ, geometry })
    }

    /// Reads a resource's `loc` attribute (m2m:geoCoordinates: `typ` and `crd`, the
    /// coordinates as JSON text); 4000 for anything else.
    pub fn from_attribute(loc: &Value) -> Result<Self, Problem> {
        let object = loc.as_object().ok_or_else(|| {
            Problem::bad_request(
                "loc must be an object {\"typ\": geometryType, \"crd\": \"coordinates\"}",
            )
        })?;
        if let Some(other) = object.keys().find(|k| !matches!(k.as_str(), "typ" | "crd")) {
            return Err(Problem::bad_request(format!(
                "loc has an unknown member '{other}' (only typ and crd are defined)"
            )));
        }
        let typ = object
            .get("typ")
            .and_then(Value::as_i64)
            .ok_or_else(|| Problem::bad_request("loc.typ must be a geometryType 1..6"))?;
        let typ = GeometryType::from_number("loc.typ", typ)?;
        let crd = object.get("crd").and_then(Value::as_str).ok_or_else(|| {
            Problem::bad_request("loc.crd must be the coordinates as a JSON text string")
        })?;
        Self::parse("loc.crd", typ, crd)
    }

    /// The bounding box (every valid location has one).
    pub fn bounding_box(&self) -> Option<BoundingBox> {
        self.geometry.bounding_rect().map(|r| BoundingBox {
            min_lon: r.min().x,
            min_lat: r.min().y,
            max_lon: r.max().x,
            max_lat: r.max().y,
        })
    }

    /// Whether this location (a resource's) relates to `query` as `function` says.
    pub fn relates(&self, function: SpatialFunction, query: &Geometry<f64>) -> bool {
        let matrix = self.geometry.relate(query);
        match function {
            SpatialFunction::Within => matrix.is_within(),
            SpatialFunction::Contains => matrix.is_contains(),
            SpatialFunction::Intersects => matrix.is_intersects(),
        }
    }
}

/// Reads nested coordinate arrays for one declared type, counting positions.
struct Reader<'a> {
    name: &'a str,
    typ: GeometryType,
    count: usize,
}

impl Reader<'_> {
    fn wrong(&self, why: &str) -> Problem {
        Problem::bad_request(format!(
            "{} does not describe a {} ({why})",
            self.name,
            self.typ.name()
        ))
    }

    fn geometry(&mut self, value: &Value) -> Result<Geometry<f64>, Problem> {
        Ok(match self.typ {
            GeometryType::Point => Geometry::Point(Point(self.position(value)?)),
            GeometryType::LineString => Geometry::LineString(self.line(value)?),
            GeometryType::Polygon => Geometry::Polygon(self.polygon(value)?),
            GeometryType::MultiPoint => {
                let points = self.positions(value)?.into_iter().map(Point).collect();
                Geometry::MultiPoint(MultiPoint(points))
            }
            GeometryType::MultiLineString => {
                let lines = self
                    .array(value)?
                    .iter()
                    .map(|l| self.line(l))
                    .collect::<Result<_, _>>()?;
                Geometry::MultiLineString(MultiLineString(lines))
            }
            GeometryType::MultiPolygon => {
                let polygons = self
                    .array(value)?
                    .iter()
                    .map(|p| self.polygon(p))
                    .collect::<Result<_, _>>()?;
                Geometry::MultiPolygon(MultiPolygon(polygons))
            }
        })
    }

    fn array<'v>(&self, value: &'v Value) -> Result<&'v Vec<Value>, Problem> {
        match value.as_array() {
            Some(items) if !items.is_empty() => Ok(items),
            _ => Err(self.wrong("expected a non-empty array")),
        }
    }

    /// `[lon, lat]` or `[lon, lat, alt]`, in range.
    fn position(&mut self, value: &Value) -> Result<Coord<f64>, Problem> {
        self.count += 1;
        if self.count > MAX_POSITIONS {
            return Err(Problem::bad_request(format!(
                "{} holds more than {MAX_POSITIONS} positions",
                self.name
            )));
        }
        let numbers: Option<Vec<f64>> = value
            .as_array()
            .map(|items| items.iter().map(Value::as_f64).collect())
            .unwrap_or(None);
        match numbers.as_deref() {
            Some([x, y]) | Some([x, y, _]) => {
                if !(-180.0..=180.0).contains(x) || !(-90.0..=90.0).contains(y) {
                    return Err(self.wrong(&format!(
                        "position [{x}, {y}] is out of range: longitude -180..180 comes first, latitude -90..90 second"
                    )));
                }
                Ok(Coord { x: *x, y: *y })
            }
            _ => Err(self.wrong("a position is an array [longitude, latitude] of numbers")),
        }
    }

    fn positions(&mut self, value: &Value) -> Result<Vec<Coord<f64>>, Problem> {
        let items = self.array(value)?;
        items.iter().map(|p| self.position(p)).collect()
    }

    fn line(&mut self, value: &Value) -> Result<LineString<f64>, Problem> {
        let positions = self.positions(value)?;
        if positions.len() < 2 {
            return Err(self.wrong("a line needs at least two positions"));
        }
        Ok(LineString(positions))
    }

    fn ring(&mut self, value: &Value) -> Result<LineString<f64>, Problem> {
        let positions = self.positions(value)?;
        if positions.len() < 4 {
            return Err(self.wrong("a polygon ring needs at least four positions"));
        }
        if positions.first() != positions.last() {
            return Err(self.wrong("a polygon ring must end at its first position"));
        }
        Ok(LineString(positions))
    }

    /// One exterior ring, or GeoJSON rings (exterior, then holes).
    fn polygon(&mut self, value: &Value) -> Result<Polygon<f64>, Problem> {
        let items = self.array(value)?;
        let nested = items
            .first()
            .and_then(Value::as_array)
            .and_then(|first| first.first())
            .is_some_and(Value::is_array);
        if !nested {
            return Ok(Polygon::new(self.ring(value)?, Vec::new()));
        }
        let mut rings = items
            .iter()
            .map(|r| self.ring(r))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let exterior = rings
            .next()
            .ok_or_else(|| self.wrong("a polygon needs a ring"))?;
        Ok(Polygon::new(exterior, rings.collect()))
    }
}

/// A geo-query (filterCriteria `gmty`, `geom`, `gsf`), parsed once when the request is
/// read; kept with the request as its three wire values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "GeoQueryText", into = "GeoQueryText")]
pub struct GeoQuery {
    /// `gmty` and the geometry `geom` describes.
    pub area: Location,
    /// `geom` as given.
    pub text: String,
    /// `gsf`.
    pub function: SpatialFunction,
}

impl GeoQuery {
    /// Builds the query from its three parameters: all three or none (4000 naming the
    /// missing ones), each valid, and `geom` fitting `gmty`.
    pub fn from_parts(
        gmty: Option<i64>,
        geom: Option<&str>,
        gsf: Option<i64>,
    ) -> Result<Option<Self>, Problem> {
        match (gmty, geom, gsf) {
            (None, None, None) => Ok(None),
            (Some(gmty), Some(geom), Some(gsf)) => {
                let typ = GeometryType::from_number("gmty", gmty)?;
                let function = SpatialFunction::from_number(gsf)?;
                let area = Location::parse("geom", typ, geom)?;
                Ok(Some(Self {
                    area,
                    text: geom.to_owned(),
                    function,
                }))
            }
            _ => {
                let missing: Vec<&str> = [
                    ("gmty", gmty.is_none()),
                    ("geom", geom.is_none()),
                    ("gsf", gsf.is_none()),
                ]
                .into_iter()
                .filter_map(|(n, absent)| absent.then_some(n))
                .collect();
                Err(Problem::bad_request(format!(
                    "a geo-query needs gmty, geom and gsf together; missing: {}",
                    missing.join(", ")
                )))
            }
        }
    }

    /// Whether a resource's `loc` (if any) matches; a resource without a valid
    /// location never does.
    pub fn matches(&self, loc: Option<&Value>) -> bool {
        loc.and_then(|l| Location::from_attribute(l).ok())
            .is_some_and(|l| l.relates(self.function, &self.area.geometry))
    }

    /// The box a matching location's bounding box must satisfy, as the index reads
    /// it: inside the query's box (within), around it (contains) or overlapping it.
    pub fn candidate_box(&self) -> Option<BoundingBox> {
        self.area.bounding_box()
    }
}

/// The wire form of a [`GeoQuery`].
#[derive(serde::Serialize, serde::Deserialize)]
struct GeoQueryText {
    gmty: i64,
    geom: String,
    gsf: i64,
}

impl TryFrom<GeoQueryText> for GeoQuery {
    type Error = String;

    fn try_from(t: GeoQueryText) -> Result<Self, Self::Error> {
        Self::from_parts(Some(t.gmty), Some(&t.geom), Some(t.gsf))
            .map_err(|p| p.message)?
            .ok_or_else(|| "empty geo-query".to_owned())
    }
}

impl From<GeoQuery> for GeoQueryText {
    fn from(q: GeoQuery) -> Self {
        Self {
            gmty: q.area.typ.number(),
            geom: q.text,
            gsf: q.function.number(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResponseStatusCode;
    use serde_json::json;

    fn loc(typ: i64, crd: &str) -> Result<Location, ResponseStatusCode> {
        Location::from_attribute(&json!({"typ": typ, "crd": crd})).map_err(|p| p.rsc)
    }

    #[test]
    fn each_type_accepts_its_shape_and_refuses_others() {
        assert!(loc(1, "[1.0, 2.0]").is_ok());
        assert!(loc(1, "[1, 2, 30]").is_ok());
        assert!(loc(1, "[[1.0, 2.0], [3.0, 4.0]]").is_err());
        assert!(loc(2, "[[1.0, 2.0]]").is_err());
        assert!(loc(2, "[[1.0, 2.0], [3.0, 4.0]]").is_ok());
        assert!(loc(3, "[[1,2],[3,4],[5,6],[1,2]]").is_ok());
        assert!(loc(3, "[[[0,0],[4,0],[4,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]").is_ok());
        assert!(loc(3, "[[1,2],[3,4],[5,6]]").is_err());
        assert!(loc(3, "[[1,2],[3,4],[5,6],[7,8]]").is_err());
        assert!(loc(4, "[1.0, 2.0]").is_err());
        assert!(loc(4, "[[1,2],[3,4]]").is_ok());
        assert!(loc(5, "[[1.0, 2.0]]").is_err());
        assert!(loc(5, "[[[1,2],[3,4]],[[5,6],[7,8]]]").is_ok());
        assert!(loc(6, "[[[1,2],[3,4],[5,6],[1,2]]]").is_ok());
        assert!(loc(6, "[[[1,2],[3,4],[5,6]]]").is_err());
        assert!(loc(7, "[1,2]").is_err());
        assert!(loc(1, "not json").is_err());
        assert!(loc(1, "[200, 2]").is_err());
        assert!(loc(1, "[2, 95]").is_err());
        let extra = Location::from_attribute(&json!({"typ": 1, "crd": "[1,2]", "x": 1}));
        assert!(extra.is_err());
        assert!(Location::from_attribute(&json!("wrong")).is_err());
    }

    #[test]
    fn the_spatial_functions_relate_the_location_to_the_query() {
        let square = loc(3, "[[0,0],[1,0],[1,1],[0,1],[0,0]]").ok();
        let inside = loc(1, "[0.5, 0.5]").ok();
        let outside = loc(1, "[2, 2]").ok();
        let (Some(square), Some(inside), Some(outside)) = (square, inside, outside) else {
            panic!("valid test geometries");
        };
        use SpatialFunction::*;
        assert!(inside.relates(Within, &square.geometry));
        assert!(!outside.relates(Within, &square.geometry));
        assert!(square.relates(Contains, &inside.geometry));
        assert!(!inside.relates(Contains, &square.geometry));
        assert!(square.relates(Intersects, &inside.geometry));
        assert!(!square.relates(Intersects, &outside.geometry));
        assert!(inside.relates(Within, &inside.geometry));
    }

    #[test]
    fn a_query_needs_all_three_parts_and_survives_a_round_trip() {
        let part = |g, s: Option<&str>, f| GeoQuery::from_parts(g, s, f).map_err(|p| p.rsc);
        assert_eq!(part(None, None, None), Ok(None));
        assert!(part(Some(1), None, None).is_err());
        assert!(part(None, Some("[1,2]"), Some(1)).is_err());
        assert!(part(Some(1), Some("1.0"), Some(1)).is_err());
        assert!(part(Some(1), Some("[1,2]"), Some(4)).is_err());
        let query = GeoQuery::from_parts(Some(3), Some("[[0,0],[1,0],[1,1],[0,0]]"), Some(1));
        let Ok(Some(query)) = query else {
            panic!("a valid query");
        };
        let text = serde_json::to_string(&query).unwrap_or_default();
        let back: Option<GeoQuery> = serde_json::from_str(&text).ok();
        assert_eq!(back.as_ref(), Some(&query));
        assert!(query.matches(Some(&json!({"typ": 1, "crd": "[0.7, 0.2]"}))));
        assert!(!query.matches(Some(&json!({"typ": 1, "crd": "[0.2, 0.7]"}))));
        assert!(!query.matches(None));
    }
}
