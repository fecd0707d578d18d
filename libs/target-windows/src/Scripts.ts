import { literal, type Value } from "./PowerShell.ts"

/**
 * The PowerShell each operation runs on a Windows host, built as data: a
 * header naming the operation, the user's values bound to variables as
 * quoted literals, then a fixed body. Every body checks the host's current
 * state before changing it (a site already on the release, a weight already
 * set, bindings already flipped) so a step re-run after a dropped connection
 * or a crash changes nothing twice. Every script prints exactly one JSON
 * line (`ConvertTo-Json -Compress`): `{"ok":true,"changed":…,…}` or
 * `{"ok":false,"reason":"NotFound"|"Forbidden"|"Rejected","detail":…}`.
 */

/** The operations a target runs. */
export type Operation = "deploy" | "health" | "probe" | "sides" | "flip" | "weights" | "serverState" | "serviceDeploy" | "serviceHealth" | "signals"

/** A generated script: its operation, the values it binds (in order) and its full text. */
export interface Script {
  readonly op: Operation
  readonly vars: ReadonlyArray<readonly [name: string, value: Value]>
  readonly text: string
}

const prelude = `$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
function Out-Result($Result) { [Console]::Out.WriteLine(($Result | ConvertTo-Json -Compress -Depth 6)) }
function Stop-Step([string]$Reason, [string]$Detail) { Out-Result @{ ok = $false; reason = $Reason; detail = $Detail }; exit 0 }
trap {
  $e = $_.Exception
  $reason = 'Rejected'
  if ($e -is [System.UnauthorizedAccessException] -or "$($e.Message)" -match 'Access is denied|insufficient permissions|0x80070005') { $reason = 'Forbidden' }
  Out-Result @{ ok = $false; reason = $reason; detail = "$($e.Message)" }
  exit 1
}`

const build = (op: Operation, vars: ReadonlyArray<readonly [string, Value]>, body: string): Script => ({
  op,
  vars,
  text: [`# rollwise ${op}`, ...vars.map(([name, value]) => `$${name} = ${literal(value)}`), prelude, body.trim(), ""].join("\n")
})

const findPool = `$poolItem = Get-ChildItem -Path 'IIS:\\AppPools' | Where-Object { $_.Name -eq $Pool }
if ($null -eq $poolItem) { Stop-Step 'NotFound' "application pool '$Pool' not found" }`

const findSite = `$siteItem = Get-Website | Where-Object { $_.Name -eq $Site }
if ($null -eq $siteItem) { Stop-Step 'NotFound' "IIS site '$Site' not found" }
$sitePath = 'IIS:\\Sites\\' + $Site`

// Unpack $Artifact into $ReleasesDir\$Version once: a .partial folder renamed at the end, the marker written last.
const unpackRelease = `$target = Join-Path -Path $ReleasesDir -ChildPath $Version
$marker = Join-Path -Path $target -ChildPath '.rollwise-release'
$unpacked = $false
if (-not (Test-Path -LiteralPath $marker)) {
  if (-not (Test-Path -LiteralPath $Artifact)) { Stop-Step 'NotFound' "artifact '$Artifact' not found" }
  $partial = $target + '.partial'
  if (Test-Path -LiteralPath $partial) { Remove-Item -LiteralPath $partial -Recurse -Force }
  New-Item -ItemType Directory -Force -Path $partial | Out-Null
  if ($Artifact -like '*.msi') {
    $msi = Start-Process -FilePath 'msiexec.exe' -ArgumentList @('/a', ('"' + $Artifact + '"'), '/qn', ('TARGETDIR="' + $partial + '"')) -Wait -PassThru
    if ($msi.ExitCode -ne 0) { Stop-Step 'Rejected' "msiexec /a exited with $($msi.ExitCode)" }
  } else {
    Expand-Archive -LiteralPath $Artifact -DestinationPath $partial -Force
  }
  Set-Content -LiteralPath (Join-Path -Path $partial -ChildPath '.rollwise-release') -Value $Version
  if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
  Rename-Item -LiteralPath $partial -NewName (Split-Path -Path $target -Leaf)
  $unpacked = $true
}`

/** What {@link deploy} needs. */
export interface DeployArgs {
  readonly site: string
  readonly pool: string
  /** The zip or MSI, with `{version}` already substituted (a UNC or local path). */
  readonly artifact: string
  /** Where releases are unpacked, one folder per version. */
  readonly releasesDir: string
  readonly version: string
  /** Requested on the host after the recycle (empty: none). */
  readonly warmupUrl: string
  readonly timeoutSeconds: number
}

/**
 * Unpack a release (zip: Expand-Archive; MSI: an administrative install,
 * `msiexec /a`, into the folder) once, into `releasesDir\version` via a
 * `.partial` folder renamed at the end; point the site's physicalPath at it
 * if it is not already; recycle the pool if anything changed; request the
 * warm-up URL. Also how a release is rolled back (deploy the stable one).
 */
export const deploy = (a: DeployArgs): Script =>
  build(
    "deploy",
    [
      ["Site", a.site],
      ["Pool", a.pool],
      ["Artifact", a.artifact],
      ["ReleasesDir", a.releasesDir],
      ["Version", a.version],
      ["WarmupUrl", a.warmupUrl],
      ["TimeoutSec", a.timeoutSeconds]
    ],
    `Import-Module WebAdministration
${findSite}
${findPool}
${unpackRelease}
$previous = (Get-ItemProperty -LiteralPath $sitePath -Name physicalPath)
$switched = $false
if ($previous -ne $target) {
  Set-ItemProperty -LiteralPath $sitePath -Name physicalPath -Value $target
  $switched = $true
}
if ($switched -or $unpacked) {
  if ((Get-WebAppPoolState -Name $Pool).Value -eq 'Stopped') { Start-WebAppPool -Name $Pool } else { Restart-WebAppPool -Name $Pool }
}
$warmup = 0
if ($WarmupUrl -ne '') {
  try { $warmup = [int](Invoke-WebRequest -UseBasicParsing -Uri $WarmupUrl -TimeoutSec $TimeoutSec).StatusCode }
  catch { if ($_.Exception.Response) { $warmup = [int]$_.Exception.Response.StatusCode } else { $warmup = -1 } }
}
Out-Result @{ ok = $true; changed = ($switched -or $unpacked); unpacked = $unpacked; path = $target; previous = "$previous"; poolState = (Get-WebAppPoolState -Name $Pool).Value; warmupStatus = $warmup }`
  )

/** What {@link health} needs. */
export interface HealthArgs {
  readonly pool: string
  /** The synthetic check, requested on the host (empty: none). */
  readonly url: string
  /** ISO 8601: Event Log errors since then count (the deploy's time). */
  readonly since: string
  /** Event providers whose errors count (`-like` patterns: `ASP.NET*`). */
  readonly eventSources: ReadonlyArray<string>
  readonly maxEventErrors: number
  readonly timeoutSeconds: number
}

/**
 * Read a node's health after a deploy: the AppPool is Started, the synthetic
 * HTTP check answers 2xx/3xx, and the Application log has at most
 * `maxEventErrors` errors from the watched sources since the deploy. Changes
 * nothing; fails Rejected with what it saw.
 */
export const health = (a: HealthArgs): Script =>
  build(
    "health",
    [
      ["Pool", a.pool],
      ["Url", a.url],
      ["Since", a.since],
      ["Sources", a.eventSources],
      ["MaxEventErrors", a.maxEventErrors],
      ["TimeoutSec", a.timeoutSeconds]
    ],
    `Import-Module WebAdministration
${findPool}
$state = (Get-WebAppPoolState -Name $Pool).Value
if ($state -ne 'Started') { Stop-Step 'Rejected' "application pool '$Pool' is $state" }
$status = 0
if ($Url -ne '') {
  try { $status = [int](Invoke-WebRequest -UseBasicParsing -Uri $Url -TimeoutSec $TimeoutSec).StatusCode }
  catch { if ($_.Exception.Response) { $status = [int]$_.Exception.Response.StatusCode } else { $status = -1 } }
  if ($status -lt 200 -or $status -ge 400) { Stop-Step 'Rejected' "health check $Url answered $status" }
}
$start = [DateTime]::Parse($Since, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind)
$errors = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Level = @(1, 2); StartTime = $start } -ErrorAction SilentlyContinue | Where-Object { $provider = $_.ProviderName; @($Sources | Where-Object { $provider -like $_ }).Count -gt 0 })
$seen = @($errors | ForEach-Object { $_.ProviderName } | Sort-Object -Unique)
if ($errors.Count -gt $MaxEventErrors) { Stop-Step 'Rejected' "$($errors.Count) Event Log errors since the deploy from $($seen -join ', ')" }
Out-Result @{ ok = $true; changed = $false; poolState = $state; httpStatus = $status; eventErrors = $errors.Count; eventSources = $seen }`
  )

/** Read where a site points and its pool's state (changes nothing): how a rolling batch skips a node already done. */
export const probe = (a: { readonly site: string; readonly pool: string }): Script =>
  build(
    "probe",
    [
      ["Site", a.site],
      ["Pool", a.pool]
    ],
    `Import-Module WebAdministration
${findSite}
${findPool}
Out-Result @{ ok = $true; changed = $false; path = "$((Get-ItemProperty -LiteralPath $sitePath -Name physicalPath))"; poolState = (Get-WebAppPoolState -Name $Pool).Value }`
  )

/**
 * Read a blue/green pair (changes nothing): which site holds the live
 * binding and where each site points. How a rollout finds the idle side
 * to deploy to — after a promote, green is live and blue is the idle one —
 * and, on a resume, which side already has the candidate.
 */
export const sides = (a: { readonly blueSite: string; readonly greenSite: string; readonly liveBinding: string }): Script =>
  build(
    "sides",
    [
      ["BlueSite", a.blueSite],
      ["GreenSite", a.greenSite],
      ["LiveBinding", a.liveBinding]
    ],
    `Import-Module IISAdministration
$manager = Get-IISServerManager
$blue = $manager.Sites | Where-Object { $_.Name -eq $BlueSite }
if ($null -eq $blue) { Stop-Step 'NotFound' "IIS site '$BlueSite' not found" }
$green = $manager.Sites | Where-Object { $_.Name -eq $GreenSite }
if ($null -eq $green) { Stop-Step 'NotFound' "IIS site '$GreenSite' not found" }
function Test-Live($SiteItem) { @($SiteItem.Bindings | Where-Object { $_.BindingInformation -eq $LiveBinding }).Count -gt 0 }
$now = if (Test-Live $blue) { 'blue' } elseif (Test-Live $green) { 'green' } else { Stop-Step 'NotFound' "neither '$BlueSite' nor '$GreenSite' has the binding '$LiveBinding'" }
Out-Result @{ ok = $true; changed = $false; live = $now; bluePath = "$($blue.Applications['/'].VirtualDirectories['/'].PhysicalPath)"; greenPath = "$($green.Applications['/'].VirtualDirectories['/'].PhysicalPath)" }`
  )

/** What {@link flip} needs. */
export interface FlipArgs {
  readonly blueSite: string
  readonly greenSite: string
  /** The live binding (`*:80:shop.example.com`), as IIS writes bindingInformation. */
  readonly liveBinding: string
  /** Which site should hold it. */
  readonly live: "blue" | "green"
}

/**
 * Put the live binding on the `live` site: swap the two sites' bindings
 * (certificates included) in one ServerManager commit, which IIS applies as
 * one applicationHost.config write — both sites switch together. If the
 * binding is already there, nothing changes.
 */
export const flip = (a: FlipArgs): Script =>
  build(
    "flip",
    [
      ["BlueSite", a.blueSite],
      ["GreenSite", a.greenSite],
      ["LiveBinding", a.liveBinding],
      ["Live", a.live]
    ],
    `Import-Module IISAdministration
$manager = Get-IISServerManager
$blue = $manager.Sites | Where-Object { $_.Name -eq $BlueSite }
if ($null -eq $blue) { Stop-Step 'NotFound' "IIS site '$BlueSite' not found" }
$green = $manager.Sites | Where-Object { $_.Name -eq $GreenSite }
if ($null -eq $green) { Stop-Step 'NotFound' "IIS site '$GreenSite' not found" }
function Test-Live($SiteItem) { @($SiteItem.Bindings | Where-Object { $_.BindingInformation -eq $LiveBinding }).Count -gt 0 }
$now = if (Test-Live $blue) { 'blue' } elseif (Test-Live $green) { 'green' } else { Stop-Step 'NotFound' "neither '$BlueSite' nor '$GreenSite' has the binding '$LiveBinding'" }
if ($now -eq $Live) { Out-Result @{ ok = $true; changed = $false; live = $now }; exit 0 }
function Get-Bindings($SiteItem) { @($SiteItem.Bindings | ForEach-Object { @{ protocol = $_.Protocol; info = $_.BindingInformation; hash = $_.CertificateHash; store = $_.CertificateStoreName } }) }
$blueBindings = Get-Bindings $blue
$greenBindings = Get-Bindings $green
function Set-Bindings($SiteItem, $Bindings) {
  $SiteItem.Bindings.Clear()
  foreach ($b in $Bindings) {
    if ($b.protocol -eq 'https') { [void]$SiteItem.Bindings.Add($b.info, $b.hash, $b.store) } else { [void]$SiteItem.Bindings.Add($b.info, $b.protocol) }
  }
}
Set-Bindings $blue $greenBindings
Set-Bindings $green $blueBindings
$manager.CommitChanges()
Out-Result @{ ok = $true; changed = $true; live = $Live }`
  )

// An XPath 1.0 literal for a value from a variable (never from the script's text): concat() when it holds both quote kinds.
const xpathLiteral = `function ConvertTo-XPathLiteral([string]$Text) {
  if (-not $Text.Contains("'")) { return "'" + $Text + "'" }
  if (-not $Text.Contains('"')) { return '"' + $Text + '"' }
  return 'concat(' + (($Text.Split([char]39) | ForEach-Object { "'" + $_ + "'" }) -join ', "''", ') + ')'
}`

const serverRuntime = `Import-Module IISAdministration
$manager = Get-IISServerManager
$farmItem = $manager.GetApplicationHostConfiguration().GetSection('webFarms').GetCollection() | Where-Object { $_.GetAttributeValue('name') -eq $Farm }
if ($null -eq $farmItem) { Stop-Step 'NotFound' "ARR web farm '$Farm' not found" }
function Get-FarmServer([string]$Address) {
  $found = $farmItem.GetCollection() | Where-Object { $_.GetAttributeValue('address') -eq $Address }
  if ($null -eq $found) { Stop-Step 'NotFound' "server '$Address' is not in the ARR web farm '$Farm'" }
  $found
}
$states = @('Available', 'Drain', 'Unavailable', 'UnavailableGracefully')
function Get-Runtime([string]$Address) {
  $arr = (Get-FarmServer $Address).GetChildElement('applicationRequestRouting')
  $counters = $arr.GetChildElement('counters')
  @{ address = $Address; weight = [int]$arr.GetAttributeValue('weight'); state = $states[[int]$counters.GetAttributeValue('state')]; healthy = [bool]$counters.GetAttributeValue('isHealthy'); currentRequests = [int]$counters.GetAttributeValue('currentRequests') }
}`

/** What {@link weights} needs. */
export interface WeightsArgs {
  readonly farm: string
  /** Each server's address as the farm names it and the weight it should have. */
  readonly servers: ReadonlyArray<{ readonly address: string; readonly weight: number }>
}

/**
 * Set the ARR web farm's load-balance weights with
 * Set-WebConfigurationProperty (only those that differ), then read every
 * named server's runtime state and health from ARR's counters.
 */
export const weights = (a: WeightsArgs): Script =>
  build(
    "weights",
    [
      ["Farm", a.farm],
      ["Servers", a.servers.map((s) => ({ address: s.address, weight: s.weight }))]
    ],
    `${xpathLiteral}
Import-Module WebAdministration
${serverRuntime}
$changed = @()
foreach ($s in $Servers) {
  $null = Get-FarmServer $s.address
  $filter = "webFarms/webFarm[@name=$(ConvertTo-XPathLiteral $Farm)]/server[@address=$(ConvertTo-XPathLiteral $s.address)]/applicationRequestRouting"
  $current = Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter $filter -Name 'weight'
  if ([int]$current.Value -ne $s.weight) {
    Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter $filter -Name 'weight' -Value $s.weight
    $changed += $s.address
  }
}
$manager = Get-IISServerManager
$farmItem = $manager.GetApplicationHostConfiguration().GetSection('webFarms').GetCollection() | Where-Object { $_.GetAttributeValue('name') -eq $Farm }
Out-Result @{ ok = $true; changed = ($changed.Count -gt 0); updated = $changed; servers = @($Servers | ForEach-Object { Get-Runtime $_.address }) }`
  )

/** What {@link serverState} needs. */
export interface ServerStateArgs {
  readonly farm: string
  readonly address: string
  /** Drain: finish current requests, take no new ones; Available: back in rotation. */
  readonly state: "Available" | "Drain"
  /** How long a drain waits for current requests to reach 0. */
  readonly drainSeconds: number
}

/**
 * Drain a server out of the ARR farm or put it back (ARR's `SetState`
 * method on the server's applicationRequestRouting element), if it is not
 * already in that state; a drain then waits for its current requests.
 */
export const serverState = (a: ServerStateArgs): Script =>
  build(
    "serverState",
    [
      ["Farm", a.farm],
      ["Address", a.address],
      ["State", a.state],
      ["DrainSeconds", a.drainSeconds]
    ],
    `${serverRuntime}
$want = [array]::IndexOf($states, $State)
$before = Get-Runtime $Address
$changed = $false
if ($before.state -ne $State) {
  $method = (Get-FarmServer $Address).GetChildElement('applicationRequestRouting').Methods['SetState'].CreateInstance()
  $method.Input.Attributes[0].Value = $want
  $method.Execute()
  $changed = $true
}
if ($State -eq 'Drain') {
  $deadline = (Get-Date).AddSeconds($DrainSeconds)
  while ((Get-Runtime $Address).currentRequests -gt 0 -and (Get-Date) -lt $deadline) { Start-Sleep -Seconds 1 }
}
Out-Result @{ ok = $true; changed = $changed; server = (Get-Runtime $Address) }`
  )

/** What {@link serviceDeploy} needs. */
export interface ServiceDeployArgs {
  /** The Windows Service's name (not its display name). */
  readonly name: string
  /** How the service is registered: the Service Control Manager's own binary path (`sc`), or NSSM's Application (`nssm`). */
  readonly manager: "sc" | "nssm"
  readonly artifact: string
  readonly releasesDir: string
  readonly version: string
  /** The executable inside a release folder, e.g. `bin\\Checkout.Worker.exe`. */
  readonly executable: string
  readonly timeoutSeconds: number
}

/**
 * A Windows Service (not IIS) onto a release: unpack it once; if the
 * service does not already run that release's executable, stop it, point
 * it there (Win32_Service.Change's PathName for `sc`-registered services —
 * what `sc.exe config binPath=` sets, with no native-argument quoting — or
 * `nssm set Application/AppDirectory`), and start it; wait for Running.
 */
export const serviceDeploy = (a: ServiceDeployArgs): Script =>
  build(
    "serviceDeploy",
    [
      ["Name", a.name],
      ["Manager", a.manager],
      ["Artifact", a.artifact],
      ["ReleasesDir", a.releasesDir],
      ["Version", a.version],
      ["Executable", a.executable],
      ["TimeoutSec", a.timeoutSeconds]
    ],
    `$service = Get-Service | Where-Object { $_.Name -eq $Name }
if ($null -eq $service) { Stop-Step 'NotFound' "Windows service '$Name' not found" }
${unpackRelease}
$exe = Join-Path -Path $target -ChildPath $Executable
if ($Manager -eq 'nssm') { $previous = (& nssm.exe get $Name Application | Out-String).Trim() }
else { $previous = (Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq $Name }).PathName.Trim('"') }
$switched = $false
if ($previous -ne $exe) {
  if ($service.Status -ne 'Stopped') { Stop-Service -InputObject $service -Force; $service.WaitForStatus('Stopped', [TimeSpan]::FromSeconds($TimeoutSec)) }
  if ($Manager -eq 'nssm') {
    & nssm.exe set $Name Application $exe | Out-Null
    if ($LASTEXITCODE -ne 0) { Stop-Step 'Rejected' "nssm set $Name Application exited with $LASTEXITCODE" }
    & nssm.exe set $Name AppDirectory $target | Out-Null
  } else {
    $cim = Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq $Name }
    $result = Invoke-CimMethod -InputObject $cim -MethodName Change -Arguments @{ PathName = ('"' + $exe + '"') }
    if ($result.ReturnValue -ne 0) { Stop-Step 'Rejected' "Win32_Service.Change returned $($result.ReturnValue)" }
  }
  $switched = $true
}
$service.Refresh()
if ($service.Status -ne 'Running') { Start-Service -InputObject $service }
try { $service.WaitForStatus('Running', [TimeSpan]::FromSeconds($TimeoutSec)) } catch { Stop-Step 'Rejected' "Windows service '$Name' did not reach Running within $TimeoutSec s (it is $($service.Status))" }
Out-Result @{ ok = $true; changed = ($switched -or $unpacked); unpacked = $unpacked; path = $exe; previous = "$previous"; status = "$($service.Status)" }`
  )

/** What {@link serviceHealth} needs. */
export interface ServiceHealthArgs {
  readonly name: string
  readonly since: string
  readonly eventSources: ReadonlyArray<string>
  readonly maxEventErrors: number
}

/** A service's health after a deploy: Running, and at most `maxEventErrors` Application-log errors from the watched sources since. Changes nothing. */
export const serviceHealth = (a: ServiceHealthArgs): Script =>
  build(
    "serviceHealth",
    [
      ["Name", a.name],
      ["Since", a.since],
      ["Sources", a.eventSources],
      ["MaxEventErrors", a.maxEventErrors]
    ],
    `$service = Get-Service | Where-Object { $_.Name -eq $Name }
if ($null -eq $service) { Stop-Step 'NotFound' "Windows service '$Name' not found" }
if ($service.Status -ne 'Running') { Stop-Step 'Rejected' "Windows service '$Name' is $($service.Status)" }
$start = [DateTime]::Parse($Since, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind)
$errors = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Level = @(1, 2); StartTime = $start } -ErrorAction SilentlyContinue | Where-Object { $provider = $_.ProviderName; @($Sources | Where-Object { $provider -like $_ }).Count -gt 0 })
$seen = @($errors | ForEach-Object { $_.ProviderName } | Sort-Object -Unique)
if ($errors.Count -gt $MaxEventErrors) { Stop-Step 'Rejected' "$($errors.Count) Event Log errors since the deploy from $($seen -join ', ')" }
Out-Result @{ ok = $true; changed = $false; status = "$($service.Status)"; eventErrors = $errors.Count; eventSources = $seen }`
  )

/** What {@link signals} needs. */
export interface SignalsArgs {
  /** The sites to read (one, or a blue/green pair). */
  readonly sites: ReadonlyArray<string>
  /** The window, ISO 8601 (UTC): start inclusive, end exclusive. */
  readonly start: string
  readonly end: string
  readonly eventSources: ReadonlyArray<string>
  /** Most time-taken samples returned per site. */
  readonly maxSamples: number
}

/**
 * The analyzer's health signals, read on the host for one window (changes
 * nothing): per site, from its IIS W3C log files (the `#Fields:` header
 * says where each column is) the requests, the HTTP 5xx among them and
 * time-taken samples in seconds; from the System log the WAS events of its
 * pool's worker processes failing or being disabled (5002, 5009–5011,
 * 5013); from the Application log the errors of the watched sources; and
 * where the site points, so the caller can tell candidate from baseline.
 */
export const signals = (a: SignalsArgs): Script =>
  build(
    "signals",
    [
      ["Sites", a.sites],
      ["Start", a.start],
      ["End", a.end],
      ["Sources", a.eventSources],
      ["MaxSamples", a.maxSamples]
    ],
    `Import-Module WebAdministration
$culture = [Globalization.CultureInfo]::InvariantCulture
$utc = [Globalization.DateTimeStyles]::AssumeUniversal -bor [Globalization.DateTimeStyles]::AdjustToUniversal
$from = [DateTime]::Parse($Start, $culture, [Globalization.DateTimeStyles]::RoundtripKind).ToUniversalTime()
$to = [DateTime]::Parse($End, $culture, [Globalization.DateTimeStyles]::RoundtripKind).ToUniversalTime()
$appErrors = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Level = @(1, 2); StartTime = $from.ToLocalTime(); EndTime = $to.ToLocalTime() } -ErrorAction SilentlyContinue | Where-Object { $provider = $_.ProviderName; @($Sources | Where-Object { $provider -like $_ }).Count -gt 0 })
$was = @(Get-WinEvent -FilterHashtable @{ LogName = 'System'; ProviderName = 'Microsoft-Windows-WAS'; Id = @(5002, 5009, 5010, 5011, 5013); StartTime = $from.ToLocalTime(); EndTime = $to.ToLocalTime() } -ErrorAction SilentlyContinue)
$result = @()
foreach ($name in $Sites) {
  $siteItem = Get-Website | Where-Object { $_.Name -eq $name }
  if ($null -eq $siteItem) { Stop-Step 'NotFound' "IIS site '$name' not found" }
  $logDir = [Environment]::ExpandEnvironmentVariables($siteItem.logFile.directory) + '\\W3SVC' + $siteItem.id
  $requests = 0
  $errors = 0
  $taken = New-Object System.Collections.Generic.List[double]
  $files = @(Get-ChildItem -LiteralPath $logDir -Filter '*.log' -ErrorAction SilentlyContinue | Where-Object { $_.LastWriteTimeUtc -ge $from })
  foreach ($file in $files) {
    $fields = @()
    foreach ($line in (Get-Content -LiteralPath $file.FullName)) {
      if ($line.StartsWith('#Fields: ')) { $fields = $line.Substring(9).Split(' '); continue }
      if ($line.StartsWith('#') -or $fields.Count -eq 0) { continue }
      $v = $line.Split(' ')
      $at = [DateTime]::ParseExact($v[[array]::IndexOf($fields, 'date')] + ' ' + $v[[array]::IndexOf($fields, 'time')], 'yyyy-MM-dd HH:mm:ss', $culture, $utc)
      if ($at -lt $from -or $at -ge $to) { continue }
      $requests++
      if ([int]$v[[array]::IndexOf($fields, 'sc-status')] -ge 500) { $errors++ }
      if ($taken.Count -lt $MaxSamples) { $taken.Add([double]$v[[array]::IndexOf($fields, 'time-taken')] / 1000) }
    }
  }
  $pool = $siteItem.applicationPool
  $restarts = @($was | Where-Object { $_.Message.Contains("'$pool'") }).Count
  $result += @{ site = $name; path = "$($siteItem.physicalPath)"; requests = $requests; errors = $errors; timeTaken = $taken.ToArray(); restarts = $restarts }
}
Out-Result @{ ok = $true; changed = $false; sites = $result; eventErrors = $appErrors.Count }`
  )
