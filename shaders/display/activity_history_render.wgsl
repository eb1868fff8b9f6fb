// Activity history display: a full-screen triangle whose fragment stage reads the ring image
// (column-major, `column · rows + row`, written by raster_accumulate / state_history_sample)
// and draws it scrolled so that the newest column (`head`) is at the right edge. Columns not
// written since the history started (`filled` counts those that were) show the background.
// mode 0 (raster): pixels with at least one spike in the foreground colour;
// mode 1 (heatmap): f32 values mapped through [value_min, value_max] onto a viridis-like map.

struct RenderInfo {
  rows: u32,
  columns: u32,
  head: u32,
  filled: u32,
  mode: u32,
  _pad0: u32,
  value_min: f32,
  value_max: f32,
  background: vec4<f32>,
  foreground: vec4<f32>,
}

@group(0) @binding(0) var<uniform> params: RenderInfo;
@group(0) @binding(1) var<storage, read> image: array<u32>;

struct VertexOut {
  @builtin(position) position: vec4<f32>,
  @location(0) uv: vec2<f32>,
}

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOut {
  // (0,0), (2,0), (0,2) in uv: one triangle covering the viewport; uv.y grows downwards.
  let uv = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
  var out: VertexOut;
  out.position = vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0);
  out.uv = uv;
  return out;
}

// Polynomial fit of matplotlib's viridis (perceptually uniform), t in [0, 1].
fn viridis(t: f32) -> vec3<f32> {
  let c0 = vec3<f32>(0.2777273272234177, 0.005407344544966578, 0.3340998053353061);
  let c1 = vec3<f32>(0.1050930431085774, 1.404613529898575, 1.384590162594164);
  let c2 = vec3<f32>(-0.3308618287255563, 0.214847559468213, 0.09509516302823659);
  let c3 = vec3<f32>(-4.634230498983486, -5.799100973351585, -19.33244095627987);
  let c4 = vec3<f32>(6.228269936347081, 14.17993336680509, 56.69055260068105);
  let c5 = vec3<f32>(4.776384997670288, -13.74514537774601, -65.35303263337234);
  let c6 = vec3<f32>(-5.435455855934631, 4.645852612178535, 26.3124352495832);
  return clamp(c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6))))), vec3<f32>(0.0), vec3<f32>(1.0));
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
  let columns = params.columns;
  let rows = params.rows;
  let shown = min(u32(max(in.uv.x, 0.0) * f32(columns)), columns - 1u);
  let row = min(u32(max(in.uv.y, 0.0) * f32(rows)), rows - 1u);
  if (shown + params.filled < columns) { return params.background; }
  let column = (params.head + 1u + shown) % columns;
  let word = image[column * rows + row];
  if (params.mode == 0u) {
    if (word > 0u) { return params.foreground; }
    return params.background;
  }
  let value = bitcast<f32>(word);
  let span = params.value_max - params.value_min;
  var t = 0.5;
  if (span > 0.0) { t = clamp((value - params.value_min) / span, 0.0, 1.0); }
  return vec4<f32>(viridis(t), 1.0);
}
