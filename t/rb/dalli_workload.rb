# Ruby's dalli (binary protocol) against the server at MEMCACHED_ADDR.
# Prints TAP: one "ok N - name" per check, then the plan.
require "dalli"

addr = ENV.fetch("MEMCACHED_ADDR")
$n = 0
$failed = 0
def check(name, got, want)
  $n += 1
  if got == want
    puts "ok #{$n} - #{name}"
  else
    $failed += 1
    puts "not ok #{$n} - #{name}"
    puts "#   got:  #{got.inspect}"
    puts "#   want: #{want.inspect}"
  end
end

d = Dalli::Client.new(addr, socket_timeout: 5)
d.flush
check("set", d.set("r", "ruby") != false, true)
check("get", d.get("r"), "ruby")
check("get miss", d.get("nope"), nil)
keys = (1..200).map { |i| "key#{i}" }
keys.each { |k| d.set(k, k.upcase) }
multi = d.get_multi(*(keys + ["absent"]))
check("get_multi 200 keys", multi.size, 200)
check("get_multi values", multi["key7"], "KEY7")
d.set("c", "0", 0, raw: true)
check("incr", d.incr("c", 3), 3)
check("decr", d.decr("c", 1), 2)
check("decr floors at 0", d.decr("c", 10), 0)
check("incr with initial on miss", d.incr("newctr", 1, 0, 42), 42)
check("cas", d.cas("r") { |v| v + "!" } != false, true)
check("after cas", d.get("r"), "ruby!")
d.set("s", "mid", 0, raw: true)
check("append", d.append("s", ">"), true)
check("prepend", d.prepend("s", "<"), true)
check("after append/prepend", d.get("s", raw: true), "<mid>")
check("touch", d.touch("s", 100) != nil, true)
check("add on existing", d.add("s", "x"), false)
check("replace", d.replace("s", "y") != false, true)
check("delete", d.delete("s"), true)
check("get after delete", d.get("s"), nil)
check("stats", d.stats.values.first.key?("curr_items"), true)
puts "1..#{$n}"
exit($failed == 0 ? 0 : 1)
