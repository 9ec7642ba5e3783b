// RFC 9162 §2.1.3.2: verify an inclusion proof in the browser, so that an auditor need not
// take the node's word that an entry is in the signed tree.
function b64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function node(left, right) {
  const joined = new Uint8Array(1 + left.length + right.length);
  joined[0] = 1;
  joined.set(left, 1);
  joined.set(right, 1 + left.length);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

/** Whether `leafHash` (base64) is leaf `index` of the tree of `size` leaves with `root`. */
export async function verifyInclusion(index, size, path, leafHash, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = b64(leafHash);
  for (const item of path.map(b64)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await node(item, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await node(r, item);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const expected = b64(root);
  return sn === 0 && r.length === expected.length && r.every((v, i) => v === expected[i]);
}
