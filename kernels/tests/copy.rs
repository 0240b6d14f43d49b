//! `copy_into` against its reference: a chunk into the middle of a larger buffer, a copy larger
//! than one pass of the grid (so threads stride), and the ranges it refuses (a misaligned offset,
//! a range past the end).

use argus_kernels::KernelError;
use argus_kernels::copy::{copy_into, copy_into_ref};

use crate::common::{Rng, gpu};

fn random_bytes(rng: &mut Rng, count: usize) -> Vec<u8> {
    (0..count).map(|_| (rng.next_u64() >> 56) as u8).collect()
}

#[test]
fn copies_match_the_reference() {
    let Some(client) = gpu() else { return };
    let mut rng = Rng::new(140);
    // 20 MiB: more words than one pass of the copy grid (4096 cubes x 256 threads).
    for (target_len, source_len, offset) in [(4096, 1024, 512), (20 << 20, 20 << 20, 0)] {
        let target = random_bytes(&mut rng, target_len);
        let source = random_bytes(&mut rng, source_len);
        let target_handle = client.create_from_slice(&target);
        let source_handle = client.create_from_slice(&source);
        copy_into(&client, &source_handle, &target_handle, offset).expect("copy");
        let copied = client.read_one(target_handle).expect("read back").to_vec();
        let mut expected = target.clone();
        copy_into_ref(&source, &mut expected, offset);
        assert!(copied == expected, "copy of {source_len} bytes at {offset}");
    }
}

#[test]
fn ragged_or_outside_ranges_are_bad_input() {
    let Some(client) = gpu() else { return };
    let target = client.create_from_slice(&[0u8; 64]);
    let source = client.create_from_slice(&[1u8; 32]);
    for offset in [8, 48] {
        let copied = copy_into(&client, &source, &target, offset);
        assert!(
            matches!(copied, Err(KernelError::BadInput(_))),
            "offset {offset}: {copied:?}"
        );
    }
}
