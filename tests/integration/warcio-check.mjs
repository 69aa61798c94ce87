// Reads WARC files with warcio (the npm package, a reader rotwatch does not
// share any code with) and verifies every record's WARC-Block-Digest, and
// every response's WARC-Payload-Digest, by recomputing them here.
//   node warcio-check.mjs FILE...
// Prints one JSON line: {"records": N, "types": {...}, "bad": [...],
// "responses": N, "revisits": N, "revisit_payloads_known": N, ...}.
import { createReadStream } from "node:fs";
import { createHash } from "node:crypto";
import { WARCParser } from "warcio";

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(buf) {
	let out = "", bits = 0, acc = 0;
	for (const b of buf) {
		acc = (acc << 8) | b;
		bits += 8;
		while (bits >= 5) {
			out += B32[(acc >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out += B32[(acc << (5 - bits)) & 31];
	while (out.length % 8)
		out += "=";
	return out;
}
const digest = (b) => "sha256:" + base32(createHash("sha256").update(b).digest());

function headEnd(b) {
	for (let i = 0; i + 4 <= b.length; i++)
		if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10)
			return i;
	return -1;
}

const out = { records: 0, types: {}, bad: [], responses: 0, revisits: 0,
	revisit_payloads_known: 0, files: 0 };
const payloads = new Set();
const revisitDigests = [];
for (const file of process.argv.slice(2)) {
	out.files++;
	// parseHttp: false gives the block exactly as stored, HTTP head included
	const parser = new WARCParser(createReadStream(file), { parseHttp: false });
	for await (const rec of parser) {
		const block = await rec.readFully(false);
		const type = rec.warcType;
		const id = rec.warcHeader("WARC-Record-ID");
		out.records++;
		out.types[type] = (out.types[type] || 0) + 1;
		const where = `${file} ${type} ${id} ${rec.warcTargetURI || ""}`;
		const len = Number(rec.warcHeader("Content-Length"));
		if (len !== block.length)
			out.bad.push(`${where}: ${block.length} bytes, Content-Length ${len}`);
		if (rec.warcHeader("WARC-Block-Digest") !== digest(block))
			out.bad.push(`${where}: block digest`);
		if (type === "response") {
			out.responses++;
			const e = headEnd(block);
			const pd = rec.warcHeader("WARC-Payload-Digest");
			if (e < 0 || pd !== digest(block.subarray(e + 4)))
				out.bad.push(`${where}: payload digest`);
			payloads.add(pd);
		} else if (type === "revisit") {
			out.revisits++;
			if (block.length && headEnd(block) !== block.length - 4)
				out.bad.push(`${where}: a revisit with a payload`);
			revisitDigests.push(rec.warcHeader("WARC-Payload-Digest"));
		}
	}
}
// every revisit's payload is one a response in these files holds
for (const d of revisitDigests)
	if (payloads.has(d))
		out.revisit_payloads_known++;
console.log(JSON.stringify(out));
