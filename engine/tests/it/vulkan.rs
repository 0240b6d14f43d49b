//! Whether the wgpu tests can run: a Vulkan driver (Mesa's lavapipe in CI) is installed. Without one a test prints
//! SKIPPED and returns, or fails when `ARGUS_REQUIRE_GPU_TESTS` is set. Shared by the engine's test binaries.

pub fn vulkan_present() -> bool {
    let present = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .any(|entry| entry.is_ok());
    if !present {
        assert!(
            std::env::var("ARGUS_REQUIRE_GPU_TESTS").is_err(),
            "ARGUS_REQUIRE_GPU_TESTS is set but no Vulkan driver is installed"
        );
        eprintln!("SKIPPED: no Vulkan driver (install mesa-vulkan-drivers)");
    }
    present
}
