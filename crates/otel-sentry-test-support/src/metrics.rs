//! [`Metrics`]: a meter provider exporting to memory, and the histogram points it recorded.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use opentelemetry::Value;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};

/// A meter provider whose metrics go to an in-memory exporter on each flush.
pub struct Metrics {
    /// The provider the configuration under test records with.
    pub provider: SdkMeterProvider,
    /// What each flush exported (cumulative: the last export holds every point).
    pub exporter: InMemoryMetricExporter,
}

/// One point of a histogram: its attribute set, count, sum and bucket boundaries.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramPoint {
    /// The attributes, by key.
    pub attributes: BTreeMap<String, Value>,
    /// Measurements recorded with these attributes.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The bucket boundaries.
    pub bounds: Vec<f64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A provider with a periodic reader (flushed by hand) over an in-memory exporter.
    pub fn new() -> Self {
        let exporter = InMemoryMetricExporter::default();
        let reader = PeriodicReader::builder(exporter.clone())
            // Exports happen on `force_flush`; the interval only must not interfere.
            .with_interval(Duration::from_secs(3600))
            .build();
        let provider = SdkMeterProvider::builder().with_reader(reader).build();
        Metrics { provider, exporter }
    }

    /// The points of the histogram `name` (`f64` or `u64`), as of now.
    pub fn histogram(&self, name: &str) -> Vec<HistogramPoint> {
        let mut points = Vec::new();
        self.visit(name, |data| {
            match data {
                AggregatedMetrics::F64(MetricData::Histogram(histogram)) => {
                    points.extend(histogram.data_points().map(|point| HistogramPoint {
                        attributes: attributes_of(point.attributes()),
                        count: point.count(),
                        sum: point.sum(),
                        bounds: point.bounds().collect(),
                    }));
                }
                // Sizes in bytes: their sum read as `f64`, exact up to 2^53.
                AggregatedMetrics::U64(MetricData::Histogram(histogram)) => {
                    points.extend(histogram.data_points().map(|point| HistogramPoint {
                        attributes: attributes_of(point.attributes()),
                        count: point.count(),
                        sum: point.sum() as f64,
                        bounds: point.bounds().collect(),
                    }));
                }
                _ => {}
            }
        });
        points
    }

    /// The points of the `i64` sum (counter or up-down counter) `name`, as of now: each
    /// attribute set with its value.
    pub fn sum_i64(&self, name: &str) -> Vec<(BTreeMap<String, Value>, i64)> {
        let mut points = Vec::new();
        self.visit(name, |data| {
            if let AggregatedMetrics::I64(MetricData::Sum(sum)) = data {
                for point in sum.data_points() {
                    points.push((attributes_of(point.attributes()), point.value()));
                }
            }
        });
        points
    }

    /// Flushes, then calls `visit` with the data of each metric named `name` in the last
    /// export (cumulative: it holds every point so far).
    fn visit(&self, name: &str, mut visit: impl FnMut(&AggregatedMetrics)) {
        self.exporter.reset();
        self.provider
            .force_flush()
            .expect("flush the meter provider");
        let exported = self
            .exporter
            .get_finished_metrics()
            .expect("exported metrics");
        let Some(last) = exported.last() else {
            return;
        };
        for metric in last
            .scope_metrics()
            .flat_map(|scope| scope.metrics())
            .filter(|metric| metric.name() == name)
        {
            visit(metric.data());
        }
    }

    /// The points of histogram `name` once their counts add up to `count` (a server's
    /// duration is recorded when its body ends, which may be after the client read it);
    /// fails after two seconds with another total.
    pub async fn histogram_with(&self, name: &str, count: u64) -> Vec<HistogramPoint> {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let points = self.histogram(name);
            let total: u64 = points.iter().map(|point| point.count).sum();
            if total >= count || Instant::now() > deadline {
                assert_eq!(total, count, "points of {name}: {points:#?}");
                return points;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

fn attributes_of<'a>(
    attributes: impl Iterator<Item = &'a opentelemetry::KeyValue>,
) -> BTreeMap<String, Value> {
    attributes
        .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
        .collect()
}
