// Runs a TensorFlow.js graph model with the original runtime (pure-JS @tensorflow/tfjs, CPU backend): the reference
// for test_tfjs_models.py.
//
// Usage: node tfjs_reference.js REQUEST.json
// REQUEST: {"tfjs": directory with node_modules/@tensorflow/tfjs, "model": model.json, "weights": weights file,
//           "input": raw little-endian float32 NHWC, "shape": [N, H, W, C], "outputs": [node names], "out": file}
// Writes {node name: {"shape": [...], "data": [...]}} to "out" as JSON.
"use strict";

const fs = require("fs");
const path = require("path");

async function main() {
  const request = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const tf = require(path.join(request.tfjs, "node_modules", "@tensorflow", "tfjs"));
  await tf.setBackend("cpu");

  const model = JSON.parse(fs.readFileSync(request.model, "utf8"));
  const weights = fs.readFileSync(request.weights);
  const graph = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: model.modelTopology,
    weightSpecs: model.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    format: model.format,
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy,
  }));

  const raw = fs.readFileSync(request.input);
  const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const input = tf.tensor(values, request.shape, "float32");
  let results = await graph.executeAsync(input, request.outputs);
  if (!Array.isArray(results)) results = [results];

  const out = {};
  request.outputs.forEach((name, i) => {
    out[name] = { shape: results[i].shape, data: Array.from(results[i].dataSync()) };
  });
  fs.writeFileSync(request.out, JSON.stringify(out));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
