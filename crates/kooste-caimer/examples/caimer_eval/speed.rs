//! Passages per second on one core, and CPU time.

use super::*;

/// Speed: proposals for every passage of both sets, on one thread, for two seconds: cold,
/// and for a project that has decided 500 passages (its model and its memory).
pub(super) fn speed(sets: &Sets) -> Result<(), Box<dyn std::error::Error>> {
    let cold = Proposer::cold()?;
    let decided: Vec<Decision> = sets
        .real
        .iter()
        .chain(&sets.shipped)
        .step_by(2)
        .take(500)
        .map(Row::decision)
        .collect();
    speed_of("cold", &cold, sets);
    speed_of("after 500 decisions", &cold.trained(&decided), sets);
    Ok(())
}

pub(super) fn speed_of(what: &str, cold: &Proposer, sets: &Sets) {
    let texts: Vec<&Row> = sets.real.iter().chain(&sets.shipped).collect();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let mut n = 0usize;
    while t.elapsed().as_millis() < 2000 {
        for r in &texts {
            std::hint::black_box(cold.propose(&r.text, r.lang, &[]));
            n += 1;
        }
    }
    let wall = t.elapsed().as_secs_f64();
    println!(
        "\nspeed, {what}: {:.0} passages per second of wall time on one thread ({n} proposals, mean {} characters)",
        n as f64 / wall,
        texts.iter().map(|r| r.text.chars().count()).sum::<usize>() / texts.len()
    );
    if let (Some(a), Some(b)) = (cpu, cpu_seconds()) {
        println!(
            "speed: {:.0} passages per second of the thread's CPU time (it ran {:.0} % of the wall time)",
            n as f64 / (b - a),
            100.0 * (b - a) / wall
        );
    }
}

/// The time this thread has run on a CPU, in seconds (Linux), so that the speed on a
/// shared machine is per core of CPU time actually given.
pub(super) fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}
